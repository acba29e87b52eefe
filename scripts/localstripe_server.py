"""Run localstripe on 127.0.0.1 with no state file: `python -m scripts.localstripe_server PORT`.

localstripe's own command binds every interface and pickles its store to
/tmp/localstripe.pickle, so one test run could see another's customers and
payments. Here the store lives only in this process's memory.
"""

from __future__ import annotations

import logging
import sys


def main(port: int) -> None:
    from aiohttp import web
    from localstripe import resources

    # No loading or dumping of /tmp/localstripe.pickle: each start is empty.
    resources.Store.try_load_from_disk = lambda self: None  # type: ignore[method-assign]
    resources.Store.dump_to_disk = lambda self: None  # type: ignore[method-assign]

    from localstripe.server import app

    logging.basicConfig(level=logging.INFO)
    web.run_app(app, host="127.0.0.1", port=port, print=None)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 8420)

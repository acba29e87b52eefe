"""One-shot job: create the private bucket Easel stores images in, if it is missing.

Reads the same variables as webapp/settings.py (AWS_S3_ENDPOINT_URL,
AWS_STORAGE_BUCKET_NAME, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY or its _FILE,
AWS_S3_REGION_NAME) and retries for a while, since the S3 server may still be
starting. Run from the repository root: `python docker/create_bucket.py`.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from webapp.env import env_secret, env_str  # noqa: E402


def main() -> int:
    import boto3
    from botocore.config import Config

    bucket = env_str("AWS_STORAGE_BUCKET_NAME", "easel")
    client = boto3.client(
        "s3",
        endpoint_url=env_str("AWS_S3_ENDPOINT_URL", "") or None,
        aws_access_key_id=env_str("AWS_ACCESS_KEY_ID", ""),
        aws_secret_access_key=env_secret("AWS_SECRET_ACCESS_KEY", ""),
        region_name=env_str("AWS_S3_REGION_NAME", "us-east-1"),
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )
    deadline = time.monotonic() + 120
    while True:
        try:
            names = [b["Name"] for b in client.list_buckets().get("Buckets", [])]
            if bucket in names:
                print(f"bucket {bucket!r} exists")
            else:
                client.create_bucket(Bucket=bucket)
                print(f"bucket {bucket!r} created")
            return 0
        except Exception as e:  # noqa: BLE001 - the S3 server may need a moment after its port opens
            if time.monotonic() > deadline:
                print(f"could not create bucket {bucket!r}: {e}", file=sys.stderr)
                return 1
            time.sleep(2)


if __name__ == "__main__":
    sys.exit(main())

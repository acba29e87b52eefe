"""Authorisation over every URL Easel serves, walked from the URLconf.

A new URL fails `test_every_url_has_a_rule` until it is given one here, so
nothing is left unchecked by forgetting. The rules: anonymous visitors are sent
to sign in (401 on the API); bob never reads, changes, shares, reports or deletes
alice's generations, images, collections, canvases, keys, payments or ledger
(404 or 403, and nothing in the database changes); moderator pages are 403 for
users; staff pages and the whole admin need staff; every POST needs a CSRF token.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from PIL import Image

from accounts.models import ApiKey
from accounts.services import create_api_key
from billing.models import CreditLot, LedgerEntry, Payment
from generation import studio_services
from generation.models import Collection, CollectionItem, GeneratedImage, Generation, OutpaintCanvas
from moderation.models import Flag, ReviewAction
from tests.conftest import make_user
from tests.studio.conftest import finished_generation

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
LOGIN = reverse("accounts:login")
ADMIN_LOGIN = reverse("admin:login")


@dataclass(frozen=True)
class Rule:
    """Who may use a URL.

    access: public | user (any signed-in user, nothing of anyone else's in it) |
    owner (alice's object, named by `obj`) | moderator | staff | api (bearer key).
    post: a body the rightful user could send (None: the URL takes no POST).
    anonymous: what a signed-out visitor gets: sign-in (a redirect), 401 or 404.
    """

    access: str
    obj: str | None = None
    post: dict | None = None
    anonymous: str = "sign-in"
    why: str = ""
    csrf_exempt: str = ""
    extra: dict = field(default_factory=dict)


def _mask() -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGBA", (256, 256), (0, 0, 0, 0)).save(buf, "PNG")
    return SimpleUploadedFile("mask.png", buf.getvalue(), content_type="image/png")


API = "bearer API keys, no cookies: a cross-site form cannot authenticate"
RULES: dict[str, Rule] = {
    # Public pages, and why each may be.
    "healthz": Rule("public", why="load balancers' health check; states only ok/error"),
    "generation:home": Rule("public", why="the landing page"),
    "accounts:signup": Rule("public", why="signing up"),
    "accounts:login": Rule("public", why="signing in"),
    "accounts:logout": Rule("public", why="signing out (POST only)"),
    "accounts:verify_sent": Rule("public", why="'check your e-mail'"),
    "accounts:verify": Rule("public", why="the e-mailed verification link; the token is the key"),
    "accounts:password_reset": Rule("public", why="asking for a reset link"),
    "accounts:password_reset_done": Rule("public", why="'check your e-mail'"),
    "accounts:password_reset_confirm": Rule(
        "public", why="the e-mailed reset link; the token is the key"
    ),
    "accounts:password_reset_complete": Rule("public", why="'your password was changed'"),
    "generation:shared": Rule("public", why="a shared image, by its unguessable, revocable token"),
    "generation:signed_media": Rule("public", why="a file behind a signed, expiring URL"),
    "billing:stripe_webhook": Rule(
        "public", why="Stripe's events, accepted only when signed", csrf_exempt="Stripe signs it"
    ),
    "api:openapi": Rule("public", why="the API's schema", csrf_exempt=API),
    # The Images API: bearer keys.
    "api:generations": Rule("api", csrf_exempt=API),
    "api:edits": Rule("api", csrf_exempt=API),
    "api:variations": Rule("api", csrf_exempt=API),
    "api:models": Rule("api", csrf_exempt=API),
    "api:model": Rule("api", csrf_exempt=API),
    # Pages of one's own, with nothing of anyone else's in the URL.
    "generation:studio": Rule("user"),
    "generation:upload": Rule("user"),
    "generation:history": Rule("user"),
    "generation:favourites": Rule("user"),
    "generation:collections": Rule("user"),
    "accounts:profile": Rule("user"),
    "accounts:api_key_create": Rule("user"),
    "accounts:resend_verification": Rule("user"),
    "billing:overview": Rule("user"),
    "billing:buy": Rule("user"),
    # Alice's things.
    "generation:detail": Rule("owner", "generation"),
    "generation:status": Rule("owner", "generation"),
    "generation:image": Rule("owner", "image"),
    "generation:download": Rule("owner", "image"),
    "generation:favourite": Rule("owner", "image", post={"favourite": "1"}),
    "generation:share": Rule("owner", "image", post={}),
    "generation:unshare": Rule("owner", "shared_image", post={}),
    "generation:collect": Rule("owner", "image", post={"new_title": "Stolen"}),
    "generation:variations": Rule("owner", "image", post={}),
    "generation:editor": Rule("owner", "image"),
    "generation:edit_submit": Rule(
        "owner", "image", post={"prompt": "a blue square", "mask": _mask}
    ),
    "generation:keep": Rule("owner", "image", post={}),
    "generation:interpolate": Rule("owner", "image", post={"text": "a green star"}),
    "generation:outpaint": Rule("owner", "image", post={}),
    "generation:canvas": Rule("owner", "canvas"),
    "generation:canvas_state": Rule("owner", "canvas"),
    "generation:canvas_frame": Rule(
        "owner", "canvas", post={"prompt": "a sky", "x": "512", "y": "0"}
    ),
    "generation:canvas_keep": Rule("owner", "canvas", post={"image": "alice_image"}),
    "generation:canvas_export": Rule("owner", "canvas"),
    # A private collection is no one else's business; a public one has a public page.
    "generation:collection": Rule("owner", "collection", anonymous="404"),
    "generation:collection_update": Rule("owner", "collection", post={"is_public": "1"}),
    "moderation:report": Rule("owner", "image", post={"category": "violence"}, anonymous="404"),
    "accounts:api_key_revoke": Rule("owner", "api_key", post={}),
    "billing:pay": Rule("owner", "payment", post={"payment_method": "pm_card_visa"}),
    "billing:payment_status": Rule("owner", "payment"),
    # Moderators.
    "moderation:queue": Rule("moderator"),
    "moderation:review": Rule(
        "moderator", "flag", post={"f{flag}-action": "reject", "f{flag}-reason": "x"}
    ),
    # Staff.
    "ops_status": Rule("staff"),
    "metrics": Rule("staff", anonymous="401"),
    "billing:admin_accounts": Rule("staff"),
    "billing:admin_ledger": Rule(
        "staff", "ledger", post={"amount": "1000", "reason": "free credits", "token": "t-1"}
    ),
    "billing:admin_refund_payment": Rule("staff", "payment_of_alice", post={}),
}


# --- The URLconf ----------------------------------------------------------------------------


def walk(resolver=None, namespaces=()):
    """(full name, pattern) for every URL pattern, however deeply included."""
    for p in (resolver or get_resolver()).url_patterns:
        if isinstance(p, URLResolver):
            yield from walk(p, namespaces + ((p.namespace,) if p.namespace else ()))
        elif isinstance(p, URLPattern):
            yield ":".join(namespaces + (p.name or f"<unnamed {p.pattern}>",)), p


APP_URLS = sorted({name for name, _ in walk() if not name.startswith("admin:")})
ADMIN_URLS = sorted(
    {(name, p) for name, p in walk() if name.startswith("admin:")}, key=lambda t: t[0]
)


def test_every_url_has_a_rule():
    missing = [name for name in APP_URLS if name not in RULES]
    assert not missing, f"URLs with no authorisation rule in this file: {missing}"
    stale = sorted(set(RULES) - set(APP_URLS))
    assert not stale, f"rules for URLs that no longer exist: {stale}"


# --- The world: alice's things, bob, a moderator, an admin ------------------------------


@pytest.fixture
def world(alice, bob, admin_user):
    generation = finished_generation(alice, n=2)
    image, shared = generation.images.order_by("index")
    studio_services.share_image(shared)
    collection = studio_services.create_collection(alice, title="Private")
    studio_services.add_to_collection(collection, image)
    canvas = studio_services.start_canvas(alice, image)
    key, _ = create_api_key(alice, name="alice's app")
    payment = Payment.objects.create(
        user=alice,
        pack_id="standard",
        credits=115,
        amount_cents=1500,
        currency="usd",
        idempotency_key="alice-1",
    )
    flag = Flag.objects.create(user=alice, target=Flag.Target.PROMPT, category="violence", text="x")
    moderator = make_user("mod@example.com")
    moderator.is_moderator = True
    moderator.save(update_fields=["is_moderator"])
    bobs = finished_generation(bob, n=1)
    return {
        "alice": alice,
        "bob": bob,
        "admin": admin_user,
        "moderator": moderator,
        "generation": generation,
        "image": image,
        "shared_image": shared,
        "collection": collection,
        "canvas": canvas,
        "api_key": key,
        "payment": payment,
        "flag": flag,
        "bob_image": bobs.images.get(),
        "bob_collection": studio_services.create_collection(bob, title="Bob's"),
        "bob_canvas": studio_services.start_canvas(bob, bobs.images.get()),
    }


def url_kwargs(rule: Rule, pattern: URLPattern, world: dict) -> dict:
    obj = world.get(rule.obj) if rule.obj else None
    kwargs = {}
    for name in pattern.pattern.converters:
        if rule.obj == "ledger" or (rule.obj == "payment_of_alice" and name == "user_id"):
            kwargs[name] = world["alice"].pk if name == "user_id" else world["payment"].public_id
        elif rule.obj == "payment_of_alice":
            kwargs[name] = world["payment"].public_id
        elif name == "public_id":
            kwargs[name] = obj.public_id
        elif name in ("pk", "flag_id"):
            kwargs[name] = obj.pk
        elif name == "model":
            kwargs[name] = "dall-e-2"
        elif name == "token":
            kwargs[name] = (
                world["shared_image"].share_token if "shared" in pattern.name else "nothing"
            )
        elif name == "uidb64":
            kwargs[name] = "MQ"
        else:
            raise AssertionError(f"{pattern.name}: no value for URL parameter {name!r}")
    return kwargs


def the_url(name: str, world: dict) -> str:
    pattern = dict(walk())[name]
    return reverse(name, kwargs=url_kwargs(RULES[name], pattern, world))


def post_body(rule: Rule, world: dict) -> dict:
    body = {}
    for k, v in (rule.post or {}).items():
        k = k.replace("{flag}", str(world["flag"].pk))
        if callable(v):
            v = v()
        elif v == "alice_image":
            v = str(world["image"].public_id)
        body[k] = v
    return body


def snapshot() -> str:
    """Every row a user's action could change, serialised: equal before and after = untouched."""
    user_model = get_user_model()
    # Signing in (as these tests do) stamps last_login; nothing else about a user may change.
    user_fields = [f.name for f in user_model._meta.fields if f.name not in ("id", "last_login")]
    rows = [serializers.serialize("json", user_model.objects.order_by("pk"), fields=user_fields)]
    models = [
        Generation,
        GeneratedImage,
        Collection,
        CollectionItem,
        OutpaintCanvas,
        ApiKey,
        CreditLot,
        LedgerEntry,
        Payment,
        Flag,
        ReviewAction,
    ]
    rows += [serializers.serialize("json", m.objects.order_by("pk")) for m in models]
    return "\n".join(rows)


def is_sign_in_redirect(response, *, admin: bool = False) -> bool:
    targets = (ADMIN_LOGIN,) if admin else (LOGIN, ADMIN_LOGIN)
    return response.status_code == 302 and response["Location"].split("?")[0] in targets


# --- Signed out -----------------------------------------------------------------------------
# Each test walks its whole group of URLs over one world (building it is the slow
# part) and reports every URL that broke the rule at once.


def names_for(access: str) -> list[str]:
    return [n for n in APP_URLS if n in RULES and RULES[n].access == access]


def test_a_signed_out_visitor_gets_nothing(client, world):
    wrong = []
    before = snapshot()
    for name in [n for n in APP_URLS if n in RULES and RULES[n].access != "public"]:
        rule = RULES[name]
        url = the_url(name, world)
        for method in ("get", "post"):
            response = getattr(client, method)(
                url, post_body(rule, world) if method == "post" else None
            )
            if response.status_code == 405:
                continue
            if rule.access == "api" or rule.anonymous == "401":
                ok = response.status_code == 401
            elif rule.anonymous == "404":
                ok = response.status_code == 404
            else:
                ok = is_sign_in_redirect(response)
            if not ok:
                wrong.append((name, method, response.status_code))
    assert not wrong, f"signed out, these answered: {wrong}"
    assert snapshot() == before


def test_public_pages_answer_a_signed_out_visitor_without_a_server_error(client, world):
    errors = [
        (n, r.status_code)
        for n in names_for("public")
        if (r := client.get(the_url(n, world))).status_code >= 500
    ]
    assert not errors


# --- Bob and alice's things ---------------------------------------------------------------------


def test_bob_never_reaches_alices_things(client, world):
    client.force_login(world["bob"])
    wrong, changed = [], []
    for name in names_for("owner"):
        rule = RULES[name]
        url = the_url(name, world)
        before = snapshot()
        got = client.get(url)
        if got.status_code not in (404, 403, 405):
            wrong.append((name, "get", got.status_code))
        if rule.post is not None:
            posted = client.post(url, post_body(rule, world))
            if posted.status_code not in (404, 403):
                wrong.append((name, "post", posted.status_code))
        if snapshot() != before:
            changed.append(name)
    assert not wrong, f"bob got answers from alice's URLs: {wrong}"
    assert not changed, f"bob's requests changed the database: {changed}"


def test_alice_herself_is_let_in(client, world):
    """The other half of the rule above: the same URLs work for their owner (404 means 'not yours')."""
    client.force_login(world["alice"])
    wrong = [
        (n, r.status_code)
        for n in names_for("owner")
        if (r := client.get(the_url(n, world))).status_code not in (200, 405)
    ]
    assert not wrong


def test_bob_cannot_name_alices_things_in_his_own_forms(client, world):
    cases = [
        # (URL name, bob's object in the URL, a form naming alice's thing)
        ("generation:collection_update", "bob_collection", {"remove": world["image"].public_id}),
        ("generation:collect", "bob_image", {"collection": world["collection"].public_id}),
        ("generation:canvas_keep", "bob_canvas", {"image": world["image"].public_id}),
        ("generation:interpolate", "bob_image", {"other": world["image"].public_id}),
    ]
    client.force_login(world["bob"])
    before = snapshot()
    answers = {
        name: client.post(
            reverse(name, kwargs={"public_id": world[obj].public_id}), body
        ).status_code
        for name, obj, body in cases
    }
    assert answers == dict.fromkeys(answers, 404)
    assert snapshot() == before


def test_bobs_key_sees_nothing_of_alices_through_the_api(client, world):
    """The API has no per-object URLs; what it lists for bob is his alone."""
    _, bob_key = create_api_key(world["bob"], name="bob's")
    response = client.get("/v1/models", HTTP_AUTHORIZATION=f"Bearer {bob_key}")
    assert response.status_code == 200
    assert str(world["generation"].public_id) not in response.content.decode()


def test_a_browser_session_is_not_an_api_credential(client, world):
    """So the API needs no CSRF token: a cross-site form carries cookies, never a bearer key."""
    client.force_login(world["alice"])
    response = client.post(
        "/v1/images/generations", {"prompt": "a red circle"}, content_type="application/json"
    )
    assert response.status_code == 401


# --- Moderators, staff and the admin ------------------------------------------------------------


def test_moderator_pages_are_403_for_users(client, world):
    client.force_login(world["alice"])
    before = snapshot()
    wrong = []
    for name in names_for("moderator"):
        rule = RULES[name]
        url = the_url(name, world)
        if (code := client.get(url).status_code) not in (403, 405):
            wrong.append((name, "get", code))
        if (
            rule.post is not None
            and (code := client.post(url, post_body(rule, world)).status_code) != 403
        ):
            wrong.append((name, "post", code))
    assert not wrong
    assert snapshot() == before
    client.force_login(world["moderator"])
    assert client.get(reverse("moderation:queue")).status_code == 200


def test_staff_pages_need_staff(client, world):
    before = snapshot()
    wrong = []
    for name in names_for("staff"):
        rule = RULES[name]
        url = the_url(name, world)
        for user in (world["alice"], world["moderator"]):
            client.force_login(user)
            response = client.get(url)
            if not (
                response.status_code in (403, 405) or is_sign_in_redirect(response, admin=True)
            ):
                wrong.append((name, user.email, "get", response.status_code))
            if rule.post is not None:
                response = client.post(url, post_body(rule, world))
                if not (response.status_code == 403 or is_sign_in_redirect(response, admin=True)):
                    wrong.append((name, user.email, "post", response.status_code))
    assert not wrong
    assert snapshot() == before
    client.force_login(world["admin"])
    answers = {n: client.get(the_url(n, world)).status_code for n in names_for("staff")}
    assert set(answers.values()) <= {200, 405}, answers


def _admin_url(name: str, pattern: URLPattern) -> str:
    if "<unnamed" in name:  # the admin's catch-all
        return reverse("admin:index") + "no/such/page/"
    values = {"object_id": "1", "content_type_id": "1", "url": "no/such/page/", "id": "1"}
    kwargs = {}
    for param in pattern.pattern.regex.groupindex:
        if param == "app_label":
            kwargs[param] = re.search(
                r"\(\?P<app_label>([a-z_]+)", pattern.pattern.regex.pattern
            ).group(1)
        else:
            kwargs[param] = values[param]
    return reverse(name, kwargs=kwargs)


def test_every_admin_page_needs_staff(client, world):
    before = snapshot()
    wrong = []
    assert len(ADMIN_URLS) > 20
    for user in (None, world["alice"], world["moderator"]):
        if user:
            client.force_login(user)
        for name, pattern in ADMIN_URLS:
            if name == "admin:login":
                continue
            url = _admin_url(name, pattern)
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                # Django sends a non-staff visitor of admin:logout to the admin's index (which asks to sign in).
                to_index = name == "admin:logout" and response.get("Location") == reverse(
                    "admin:index"
                )
                refused = is_sign_in_redirect(response, admin=True) or response.status_code in (
                    403,
                    404,
                )
                if not (refused or to_index):
                    wrong.append((name, method, user and user.email, response.status_code))
    assert not wrong
    assert snapshot() == before
    client.force_login(world["admin"])
    assert client.get(reverse("admin:index")).status_code == 200


# --- CSRF -------------------------------------------------------------------------------------


def test_every_post_without_a_csrf_token_is_refused(world):
    names = [n for n in APP_URLS if n in RULES and not RULES[n].csrf_exempt] + [
        "admin:login",
        "admin:logout",
    ]
    client = Client(enforce_csrf_checks=True)
    before = snapshot()
    wrong = []
    for name in names:
        rule = RULES.get(name)
        access = rule.access if rule else "staff"
        client.force_login(world[{"staff": "admin", "moderator": "moderator"}.get(access, "alice")])
        url = reverse(name) if rule is None else the_url(name, world)
        response = client.post(url, post_body(rule, world) if rule else {})
        if response.status_code != 403 or b"CSRF" not in response.content:
            wrong.append((name, response.status_code))
    assert not wrong, f"POSTs accepted without a CSRF token: {wrong}"
    assert snapshot() == before


def test_the_csrf_exempt_urls_are_only_those_that_take_no_cookies():
    exempt = {n: r.csrf_exempt for n, r in RULES.items() if r.csrf_exempt}
    assert set(exempt) == {"billing:stripe_webhook"} | {n for n in APP_URLS if n.startswith("api:")}


def test_every_post_form_in_the_templates_carries_the_token():
    form = re.compile(r"<form\b[^>]*method=\"post\"[^>]*>(.*?)</form>", re.S | re.I)
    include = re.compile(r"{%\s*include\s+\"([^\"]+)\"[^%]*%}")

    def expanded(text: str) -> str:
        return include.sub(lambda m: expanded((ROOT / "templates" / m.group(1)).read_text()), text)

    missing = []
    for path in (ROOT / "templates").rglob("*.html"):
        for body in form.findall(expanded(path.read_text())):
            if "csrf_token" not in body:
                missing.append(str(path.relative_to(ROOT)))
    assert not missing, f"POST forms without {{% csrf_token %}}: {missing}"

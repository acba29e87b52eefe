"""`Authorization: Bearer <key>` with the keys users create on their account page."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from accounts.models import ApiKey
from accounts.services import find_api_key

# Recording every use would be a write per request; once a minute is enough to show "last used".
LAST_USED_PRECISION = timedelta(minutes=1)


def _masked(key: str) -> str:
    return f"{key[:8]}***{key[-4:]}" if len(key) > 20 else "***"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        scheme, _, key = header.partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not key:
            raise exceptions.AuthenticationFailed(
                "The Authorization header must be 'Bearer YOUR_KEY'."
            )
        api_key = find_api_key(key)
        if api_key is None or not api_key.user.is_active:
            raise exceptions.AuthenticationFailed(
                f"Incorrect API key provided: {_masked(key)}. "
                f"You can find your API keys on your account page ({reverse('accounts:profile')})."
            )
        now = timezone.now()
        if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_PRECISION:
            ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        return (api_key.user, api_key)

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = ApiKeyAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer"}

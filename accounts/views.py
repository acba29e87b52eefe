from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import ApiKeyForm, LoginForm, SignupForm
from accounts.lib import throttle
from accounts.models import ApiKey


def _too_many(request, template: str, context: dict, limit: throttle.Limit):
    context = {**context, "throttled": True, "retry_minutes": max(1, throttle.seconds_left(limit) // 60)}
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(throttle.seconds_left(limit))
    return response


def signup(request):
    if request.user.is_authenticated:
        return redirect("generation:studio")
    form = SignupForm(request.POST or None)
    limit = throttle.Limit(settings.SIGNUP_RATE_LIMIT, 3600)
    if request.method == "POST" and not throttle.hit("signup", throttle.client_address(request), limit):
        return _too_many(request, "accounts/signup.html", {"form": SignupForm()}, limit)
    if request.method == "POST" and form.is_valid():
        user = services.sign_up(form.cleaned_data["email"], form.cleaned_data["password"])
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("accounts:verify_sent")
    return render(request, "accounts/signup.html", {"form": form})


def verify_sent(request):
    return render(request, "accounts/verify_sent.html")


def verify(request, token: str):
    try:
        user = services.verify_email(token)
    except services.AccountError as e:
        return render(request, "accounts/verify_failed.html", {"error": str(e)}, status=400)
    if not request.user.is_authenticated:
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, "Your e-mail address is verified. Your free credits are ready.")
    return redirect("generation:studio")


@login_required
@require_POST
def resend_verification(request):
    if not request.user.is_verified:
        services.send_verification_email(request.user)
    messages.info(request, "We sent a new verification link.")
    return redirect("accounts:verify_sent")


@login_required
def profile(request):
    return render(request, "accounts/profile.html", _api_keys_context(request.user))


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        # Per address and per account, so guessing one password from many
        # machines and many passwords from one machine are both slowed down.
        limit = throttle.Limit(settings.LOGIN_RATE_LIMIT, 300)
        email = request.POST.get("username", "")
        allowed = throttle.hit("login-ip", throttle.client_address(request), limit)
        allowed = throttle.hit("login-email", email, limit) and allowed
        if not allowed:
            return _too_many(request, self.template_name, {"form": self.get_form_class()(request)}, limit)
        return super().post(request, *args, **kwargs)


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def post(self, request, *args, **kwargs):
        limit = throttle.Limit(settings.SIGNUP_RATE_LIMIT, 3600)
        if not throttle.hit("password-reset", throttle.client_address(request), limit):
            return _too_many(request, self.template_name, {"form": self.get_form_class()()}, limit)
        return super().post(request, *args, **kwargs)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


# --- API keys (the Images API) -------------------------------------------------


def _api_keys_context(user, **extra) -> dict:
    return {"api_keys": services.list_api_keys(user), "api_key_form": ApiKeyForm(), **extra}


def _get_api_key_for_user(user, pk: int):
    return get_object_or_404(ApiKey, pk=pk, user=user, revoked_at__isnull=True)


@login_required
@require_POST
def api_key_create(request):
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        return render(request, "accounts/profile.html", _api_keys_context(request.user, api_key_form=form), status=400)
    api_key, plaintext = services.create_api_key(request.user, name=form.cleaned_data["name"])
    # Rendered, not redirected: the plaintext exists only in this response and is never stored.
    context = _api_keys_context(request.user, new_api_key=plaintext, new_api_key_row=api_key)
    response = render(request, "accounts/profile.html", context, status=201)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def api_key_revoke(request, pk: int):
    api_key = _get_api_key_for_user(request.user, pk)
    services.revoke_api_key(api_key, actor=request.user)
    messages.success(request, f"The key “{api_key.name}” was revoked. Programs using it will get 401 errors.")
    return redirect("accounts:profile")

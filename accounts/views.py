from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import LoginForm, SignupForm


def signup(request):
    if request.user.is_authenticated:
        return redirect("generation:studio")
    form = SignupForm(request.POST or None)
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
    return render(request, "accounts/profile.html")


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"

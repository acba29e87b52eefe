from __future__ import annotations

from django.conf import settings
from django.db import models


class Flag(models.Model):
    """A refusal, a borderline case or a user's report, kept for people to review."""

    class Target(models.TextChoices):
        PROMPT = "prompt", "Prompt"
        UPLOAD = "upload", "Upload"
        OUTPUT = "output", "Output"
        REPORT = "report", "User report"

    class Kind(models.TextChoices):
        REFUSAL = "refusal", "Refused"
        BORDERLINE = "borderline", "Borderline (allowed)"
        REPORT = "report", "Reported by a user"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="flags"
    )
    target = models.CharField(max_length=16, choices=Target.choices)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.REFUSAL)
    category = models.CharField(max_length=32)
    text = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)
    generation = models.ForeignKey(
        "generation.Generation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="flags",
    )
    image = models.ForeignKey(
        "generation.GeneratedImage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="flags",
    )
    upload_key = models.CharField(max_length=300, blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    counts_as_strike = models.BooleanField(default=False)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "counts_as_strike", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.target}/{self.category} #{self.pk}"


class ReviewAction(models.Model):
    """Something a moderator (or the strike rule, with no actor) did, and why."""

    class Action(models.TextChoices):
        APPROVE = "approve", "Approved"
        REJECT = "reject", "Rejected"
        WARN = "warn", "Warned the user"
        SUSPEND = "suspend", "Suspended the account"
        REINSTATE = "reinstate", "Reinstated the account"
        AUTO_WARN = "auto_warn", "Automatic warning (strikes)"
        AUTO_SUSPEND = "auto_suspend", "Automatic suspension (strikes)"

    flag = models.ForeignKey(
        Flag, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="moderation_actions",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class Term(models.Model):
    """One entry of a term list: a block term of a category, or an allowed phrase."""

    class Category(models.TextChoices):
        SEXUAL = "sexual", "Sexual"
        VIOLENCE = "violence", "Violence and gore"
        HATE = "hate", "Hate"
        SELF_HARM = "self_harm", "Self-harm"
        ILLEGAL = "illegal", "Illegal activity"
        ALLOW = "allow", "Allowed phrase"
        ALLOW_NAME = "allow_name", "Allowed phrase containing a name"

    category = models.CharField(max_length=16, choices=Category.choices)
    # Long enough for a scene ("rope|noose & ceiling|beam|rafter* & dangl*|kicked|…").
    phrase = models.CharField(max_length=500)
    active = models.BooleanField(default=True)
    ambiguous = models.BooleanField(
        default=False,
        help_text=(
            "The words have common innocent senses (a wire stripper, a rugby hooker, Slaughter Beach): "
            "the term only refuses a prompt when something else in it agrees — another listed term, or "
            "the classifier reading the rest of the prompt as disallowed. Leave unticked for terms that "
            "must refuse on their own."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category", "phrase"]
        constraints = [
            models.UniqueConstraint(fields=["category", "phrase"], name="term_unique_phrase")
        ]

    def __str__(self) -> str:
        return f"{self.category}: {self.phrase}"


class PublicFigure(models.Model):
    """A real person whose name may not be used in prompts."""

    class Kind(models.TextChoices):
        POLITICIAN = "politician", "Head of state, government or politician"
        ROYAL = "royal", "Royal"
        RELIGIOUS = "religious", "Religious leader"
        CELEBRITY = "celebrity", "Celebrity"
        ATHLETE = "athlete", "Athlete"
        BUSINESS = "business", "Business leader"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200, unique=True)
    aliases = models.TextField(
        blank=True,
        help_text=(
            "Other ways people write the name, separated by ';'. A surname that is also an "
            "ordinary word counts only beside words in brackets: Musk [tesla spacex cybertruck]."
        ),
    )
    country = models.CharField(max_length=8, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.OTHER)
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def alias_list(self) -> list[str]:
        return [a.strip() for a in self.aliases.split(";") if a.strip()]

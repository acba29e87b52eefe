from django import forms

REVIEW_ACTIONS = [
    ("approve", "Approve (release)"),
    ("reject", "Reject"),
    ("warn", "Warn the user"),
    ("suspend", "Suspend the account"),
    ("reinstate", "Reinstate the account"),
]

REPORT_CATEGORIES = [
    ("sexual", "Sexual content or nudity"),
    ("violence", "Violence or gore"),
    ("hate", "Hate"),
    ("self_harm", "Self-harm"),
    ("illegal", "Illegal activity"),
    ("public_figure", "A real person"),
    ("other", "Something else"),
]


class ReviewForm(forms.Form):
    action = forms.ChoiceField(choices=REVIEW_ACTIONS)
    reason = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        # Actions on the account itself need a reason on record.
        if data.get("action") in ("warn", "suspend", "reinstate") and not data.get("reason", "").strip():
            self.add_error("reason", "Please say why.")
        return data


class ReportForm(forms.Form):
    category = forms.ChoiceField(choices=REPORT_CATEGORIES)
    reason = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))

from __future__ import annotations

import uuid

from django import forms

from billing.services import TEST_PAYMENT_METHODS, credit_packs, error_messages


def new_token() -> str:
    """A fresh idempotency token for a form: submitting it twice does the thing once."""
    return uuid.uuid4().hex


class BuyForm(forms.Form):
    pack = forms.CharField(max_length=40)
    token = forms.CharField(max_length=64, widget=forms.HiddenInput)

    def clean_pack(self) -> str:
        pack = self.cleaned_data["pack"]
        if pack not in {p.id for p in credit_packs()}:
            raise forms.ValidationError(error_messages["unknown_pack"])
        return pack


class TestPaymentForm(forms.Form):
    payment_method = forms.ChoiceField(
        choices=list(TEST_PAYMENT_METHODS.items()), widget=forms.RadioSelect, initial="pm_card_visa",
        label="Test card",
    )


class AdjustmentForm(forms.Form):
    amount = forms.IntegerField(
        help_text="Positive to grant credits (valid 12 months), negative to take them back.",
        error_messages={"required": error_messages["invalid_amount"], "invalid": error_messages["invalid_amount"]},
    )
    reason = forms.CharField(
        max_length=500, error_messages={"required": error_messages["reason_required"]},
        widget=forms.TextInput(attrs={"placeholder": "Why (shown in the user's ledger)"}),
    )
    token = forms.CharField(max_length=64, widget=forms.HiddenInput)

    def clean_amount(self) -> int:
        amount = self.cleaned_data["amount"]
        if amount == 0:
            raise forms.ValidationError(error_messages["invalid_amount"])
        return amount

"""The form of a statement rule: what a bank's description means for this portfolio."""

from __future__ import annotations

from django import forms
from django.db.models import Max

from dataport.models import ImportJob, ImportRule
from dataport.statement_rules import normalize_description, pattern_of
from portfolio import categories
from portfolio.forms import MoneyField
from portfolio.models import Portfolio, Stream

PATTERN_EMPTY = (
    "Write at least one word without digits: rules leave out numbers, dates and card "
    "numbers, which change from one statement to the next."
)


def prefill(query, portfolio: Portfolio) -> dict:
    """Initial values from a preview row's link (``?pattern=&direction=&category=&stream=
    &job=``); a value that is not one of the choices, or another portfolio's stream, is
    left out."""
    initial: dict = {}
    pattern = pattern_of(query.get("pattern", ""))  # a long description: its first words
    if pattern:
        initial["pattern"] = pattern
    if query.get("direction") in ImportRule.Direction.values:
        initial["direction"] = query["direction"]
    if query.get("category") in categories.GROUP_OF:
        initial["category"] = query["category"]
    for name in ("stream", "job"):
        value = query.get(name, "")
        if value.isascii() and value.isdigit() and len(value) < 19:  # a bigint key
            initial[name] = int(value)
    if (
        "stream" in initial
        and not Stream.objects.filter(portfolio=portfolio, pk=initial["stream"]).exists()
    ):
        del initial["stream"]
    return initial


class RuleForm(forms.ModelForm):
    """A rule of a portfolio. The pattern is saved normalised, as descriptions are
    matched; a rule filing rows as a stream may leave the category to the stream."""

    pattern = forms.CharField(
        label="Description contains",
        max_length=ImportRule._meta.get_field("pattern").max_length,
        help_text="Words of the bank's description, e.g. “acme payroll”. Letter case, "
        "accents, punctuation and words with digits do not matter.",
    )
    amount_min = MoneyField(
        label="Amount at least",
        required=False,
        allow_negative=False,
        help_text="The amount's size, whether money in or out.",
    )
    amount_max = MoneyField(label="Amount at most", required=False, allow_negative=False)
    category = forms.ChoiceField(
        label="Category",
        choices=[("", "Same as the stream"), *categories.CATEGORY_OPTGROUPS],
        required=False,
        help_text="Left empty, the stream's category. An ignored row has none.",
        error_messages={"invalid_choice": "Choose one of the categories in the list."},
    )
    # The statement preview the rule was made from: re-decided once the rule is saved.
    job = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    class Meta:
        model = ImportRule
        fields = [
            "pattern",
            "direction",
            "amount_min",
            "amount_max",
            "action",
            "category",
            "stream",
        ]
        widgets = {"action": forms.RadioSelect}
        labels = {"direction": "Money in or out", "action": "Then"}
        error_messages = {
            "stream": {"invalid_choice": "Choose one of this portfolio's streams."},
        }

    def __init__(self, *args, portfolio: Portfolio, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.portfolio = portfolio
        stream = self.fields["stream"]
        stream.queryset = Stream.objects.filter(portfolio=portfolio).order_by("name", "pk")
        stream.empty_label = "None"
        stream.help_text = "Rows it files replace that month's expected payment of the stream."

    def statement_job(self, user) -> ImportJob | None:
        """The statement of ``user``'s, ready in this portfolio, that the rule came from."""
        job_id = self.cleaned_data.get("job")
        if job_id is None:
            return None
        return ImportJob.objects.filter(
            pk=job_id,
            owner=user,
            portfolio=self.instance.portfolio,
            kind=ImportJob.Kind.STATEMENT,
            state=ImportJob.State.READY,
        ).first()

    def clean_pattern(self) -> str:
        pattern = normalize_description(self.cleaned_data["pattern"])
        if not pattern:
            raise forms.ValidationError(PATTERN_EMPTY)
        # Unfolding ligatures and compatibility letters ("ﬁ" is "fi") may lengthen it.
        longest = self.fields["pattern"].max_length
        if len(pattern) > longest:
            raise forms.ValidationError(f"Write at most {longest} letters.")
        return pattern

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("amount_min"), cleaned.get("amount_max")
        if low is not None and high is not None and low > high:
            self.add_error("amount_max", "The largest amount cannot be below the smallest.")
        if cleaned.get("action") == ImportRule.Action.IGNORE:
            if cleaned.get("category"):
                self.add_error("category", "An ignored row is not filed: leave the category empty.")
            if cleaned.get("stream"):
                self.add_error("stream", "An ignored row is not filed: leave the stream empty.")
        elif not cleaned.get("category"):
            stream = cleaned.get("stream")
            if stream is not None:
                cleaned["category"] = stream.category
            elif "stream" not in self.errors:
                self.add_error("category", "Choose a category, or a stream to take it from.")
        return cleaned

    def save(self, commit: bool = True) -> ImportRule:
        """A new rule goes after the portfolio's others (call inside a transaction that
        holds the portfolio's row, so two rules added at once get two positions)."""
        rule = super().save(commit=False)
        if rule.pk is None:
            rules = ImportRule.objects.filter(portfolio=rule.portfolio)
            last = rules.aggregate(last=Max("position"))["last"]
            rule.position = 0 if last is None else last + 1
        if commit:
            rule.save()
        return rule

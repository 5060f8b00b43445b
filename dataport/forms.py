"""The upload forms of the imports: sizes refused before a byte is read."""

from __future__ import annotations

from collections import Counter

from django import forms

from accounts.validators import currency_choices
from dataport import entries_csv, json_reader, statement_csv, statement_reading
from dataport.models import ImportProfile
from dataport.statement_lines import StatementFileError
from portfolio import categories, limits
from portfolio.models import Stream


class EntryImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8, commas or semicolons, at most 5 MB. "
        "Columns: date, amount, category, and optionally stream and note.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
        error_messages={
            "required": "Choose a CSV file to import.",
            "empty": "The file is empty.",
        },
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Django has already spooled a large upload to a temporary file; refuse it
        # before reading it into memory.
        if upload.size > entries_csv.MAX_BYTES:
            raise forms.ValidationError("The file is larger than 5 MB. Split it into parts.")
        return upload


class ConfirmForm(forms.Form):
    again = forms.BooleanField(
        label="Yes, import these entries a second time",
        required=False,
    )


MAX_MB = json_reader.MAX_BYTES // (1024 * 1024)


class DataImportForm(forms.Form):
    file = forms.FileField(
        label="Export file (.json)",
        help_text=f"The JSON document downloaded from “Your data”, at most {MAX_MB} MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json"}),
        error_messages={
            "required": "Choose the .json file of an export to import.",
            "empty": "The file is empty.",
        },
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Django has spooled a large upload to a temporary file: refuse it unread.
        if upload.size > json_reader.MAX_BYTES:
            raise forms.ValidationError(f"The file is larger than {MAX_MB} MB.")
        return upload


STATEMENT_MAX_MB = limits.STATEMENT_MAX_BYTES // (1024 * 1024)


class StatementUploadForm(forms.Form):
    file = forms.FileField(
        label="Statement file",
        help_text=f"CSV from any bank, OFX, QFX or QIF; at most {STATEMENT_MAX_MB} MB.",
        widget=forms.ClearableFileInput(
            attrs={"accept": ".csv,.txt,.tsv,.ofx,.qfx,.qif,text/csv,application/x-ofx"}
        ),
        error_messages={
            "required": "Choose the statement file your bank or broker gave you.",
            "empty": "The file is empty.",
        },
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > limits.STATEMENT_MAX_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {STATEMENT_MAX_MB} MB. Export a shorter period."
            )
        return upload


def column_letter(position: int) -> str:
    """A spreadsheet's column letter: 0 is A, 26 is AA."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


AMOUNT_MODES = [
    ("signed", "One amount column, negative for money out"),
    ("debit_credit", "Two columns: money out and money in"),
    ("sign_column", "An amount column and a column saying debit or credit"),
]
DECIMAL_SEPARATORS = [(".", "Point: 1,234.56"), (",", "Comma: 1.234,56")]


class StatementMappingForm(forms.Form):
    """Which column of a bank's CSV file is what; saved as the bank's import profile."""

    profile_name = forms.CharField(
        label="Name of this bank's layout",
        max_length=100,
        help_text="Next month's file from this bank is recognised by its header line and "
        "read the same way.",
    )
    currency = forms.ChoiceField(
        label="Currency of the account",
        choices=currency_choices,
        help_text="For the rows the file gives no currency of their own.",
    )
    date_column = forms.TypedChoiceField(label="Date", coerce=int)
    date_format = forms.ChoiceField(label="Dates are written as")
    amount_mode = forms.ChoiceField(label="Amounts", choices=AMOUNT_MODES, widget=forms.RadioSelect)
    amount_column = forms.TypedChoiceField(
        label="Amount", coerce=int, empty_value=None, required=False
    )
    debit_column = forms.TypedChoiceField(
        label="Money out", coerce=int, empty_value=None, required=False
    )
    credit_column = forms.TypedChoiceField(
        label="Money in", coerce=int, empty_value=None, required=False
    )
    sign_column = forms.TypedChoiceField(
        label="Debit or credit", coerce=int, empty_value=None, required=False
    )
    debit_marks = forms.CharField(
        label="Values meaning money out",
        required=False,
        max_length=100,
        help_text="Separated by commas, e.g. D, DR, Debit, S.",
    )
    decimal_separator = forms.ChoiceField(
        label="Decimal separator", choices=DECIMAL_SEPARATORS, widget=forms.RadioSelect
    )
    description_columns = forms.TypedMultipleChoiceField(
        label="Description", coerce=int, widget=forms.CheckboxSelectMultiple
    )
    bank_id_column = forms.TypedChoiceField(
        label="Transaction id",
        coerce=int,
        empty_value=None,
        required=False,
        help_text="If the bank gives each transaction an id, it recognises rows imported before.",
    )
    currency_column = forms.TypedChoiceField(
        label="Currency column",
        coerce=int,
        empty_value=None,
        required=False,
        help_text="If each row names its own currency (EUR, USD…).",
    )

    _COLUMN_FIELDS = (
        "date_column",
        "amount_column",
        "debit_column",
        "credit_column",
        "sign_column",
        "bank_id_column",
        "currency_column",
    )
    _BY_MODE = {
        "signed": ("amount_column",),
        "debit_credit": ("debit_column", "credit_column"),
        "sign_column": ("amount_column", "sign_column"),
    }

    def __init__(self, *args, owner, layout: statement_csv.CsvLayout, profile=None, **kwargs):
        self.owner, self.layout, self.profile = owner, layout, profile
        super().__init__(*args, **kwargs)
        columns = [
            (position, self._column_label(position, name))
            for position, name in enumerate(layout.header)
        ]
        for name in self._COLUMN_FIELDS:
            none = [] if name == "date_column" else [("", "—")]
            self.fields[name].choices = none + columns
        self.fields["description_columns"].choices = columns
        self.fields["date_format"].choices = list(statement_csv.DATE_FORMATS.items())

    def _column_label(self, position: int, name: str) -> str:
        example = next((row[position] for row in self.layout.sample if row[position]), "")
        label = f"{column_letter(position)} · {name or '(no name)'}"
        return f"{label} — e.g. {example[:30]}" if example else label

    def clean_profile_name(self):
        name = " ".join(self.cleaned_data["profile_name"].split())
        taken = ImportProfile.objects.filter(owner=self.owner, name__iexact=name)
        if self.profile is not None:
            taken = taken.exclude(pk=self.profile.pk)
        if taken.exists():
            raise forms.ValidationError(
                "You have a layout of this name already (Settings → Import layouts): "
                "choose another name."
            )
        return name

    def clean(self):
        data = super().clean()
        mode = data.get("amount_mode")
        for name in self._BY_MODE.get(mode, ()):
            if data.get(name) is None:
                self.add_error(name, "Choose the column.")
        if mode == "sign_column" and not self._debit_marks(data.get("debit_marks", "")):
            self.add_error("debit_marks", "Write the values that mean money out, e.g. D.")
        if self.errors:
            return data
        self.mapping = statement_csv.CsvMapping(
            date_column=data["date_column"],
            date_format=data["date_format"],
            amount_mode=mode,
            amount_column=data["amount_column"] if mode != "debit_credit" else None,
            debit_column=data["debit_column"] if mode == "debit_credit" else None,
            credit_column=data["credit_column"] if mode == "debit_credit" else None,
            sign_column=data["sign_column"] if mode == "sign_column" else None,
            debit_marks=self._debit_marks(data["debit_marks"]) if mode == "sign_column" else (),
            decimal_separator=data["decimal_separator"],
            description_columns=tuple(data["description_columns"]),
            bank_id_column=data["bank_id_column"],
            currency_column=data["currency_column"],
        )
        self._check_sample()
        return data

    @staticmethod
    def _debit_marks(text: str) -> tuple[str, ...]:
        return tuple(mark.strip() for mark in text.split(",") if mark.strip())

    def _check_sample(self) -> None:
        """The first rows must read with this mapping: a wrong column or date format
        shows here, on the form, not as an import of nonsense."""
        try:
            lines = statement_reading.sample_lines(self.layout, self.mapping)
        except StatementFileError as error:  # a column the file lacks
            self.add_error(None, str(error))
            return
        if not lines:
            return
        for field, unread in (
            ("date_format", lambda line: line.date is None),
            ("amount_mode", lambda line: line.amount is None),
        ):
            failing = [line for line in lines if unread(line)]
            if len(failing) == len(lines):
                why = failing[0].errors[0] if failing[0].errors else ""
                self.add_error(field, f"None of the first rows reads this way. {why}".strip())

    def _file_currency(self) -> str:
        """The currency the file's guessed currency column names most in its first rows,
        if it is one in use today; else the owner's base currency."""
        guess = self.layout.guess
        if guess is not None and guess.currency_column is not None:
            cells = Counter(
                row[guess.currency_column].strip().upper() for row in self.layout.sample
            )
            current = {code for code, _ in currency_choices()}
            for code, _ in cells.most_common():
                if code in current:
                    return code
        return self.owner.currency

    @property
    def initial_mapping(self) -> dict:
        """The form's initial values: the saved profile's, else the guess from the file."""
        mapping = None
        if self.profile is not None:
            mapping = statement_csv.CsvMapping.from_dict(self.profile.mapping)
        elif self.layout.guess is not None:
            mapping = self.layout.guess
        currency = self.profile.currency if self.profile is not None else self._file_currency()
        if mapping is None:
            return {"amount_mode": "signed", "decimal_separator": ".", "currency": currency}
        values = {**mapping.to_dict(), "currency": currency}
        values["debit_marks"] = ", ".join(mapping.debit_marks)
        values["description_columns"] = list(mapping.description_columns)
        return values


class GroupDecisionForm(forms.Form):
    """One description's rows of a statement: filed as a category (and stream), or ignored."""

    normalized = forms.CharField(widget=forms.HiddenInput, required=False)
    category = forms.ChoiceField(label="Category", required=False)
    stream = forms.ModelChoiceField(
        label="Stream", queryset=Stream.objects.none(), required=False, empty_label="—"
    )
    # Unticked by default: a rule outlives the statement and files every later import,
    # which someone filing one odd row by hand does not expect.
    make_rule = forms.BooleanField(
        label="Always file it this way (a rule)",
        required=False,
        help_text="Also files rows like these in every later statement.",
    )
    action = forms.ChoiceField(choices=[("file", "File"), ("ignore", "Ignore")])

    def __init__(self, *args, portfolio, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "—"), *categories.CATEGORY_OPTGROUPS]
        self.fields["stream"].queryset = Stream.objects.filter(portfolio=portfolio)

    def clean(self):
        data = super().clean()
        if data.get("action") == "file" and not data.get("category"):
            stream = data.get("stream")
            if stream is None:
                self.add_error("category", "Choose a category (or a stream), or ignore these rows.")
            else:
                data["category"] = stream.category
        if data.get("action") == "ignore":
            data["category"], data["stream"] = "", None
        return data

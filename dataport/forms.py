"""The upload forms of the imports: sizes refused before a byte is read."""

from __future__ import annotations

from django import forms

from dataport import entries_csv, json_reader


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

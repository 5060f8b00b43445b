"""A currency on every holding, stream and entry: existing rows get their owner's
base currency, which is what their amounts were in until now."""

from decimal import Decimal

import django.core.validators
from django.db import migrations, models
from django.db.models import OuterRef, Subquery

import accounts.validators


def owners_currency(apps, schema_editor):
    Portfolio = apps.get_model("portfolio", "Portfolio")
    base = Subquery(Portfolio.objects.filter(pk=OuterRef("portfolio_id")).values("owner__currency")[:1])
    for name in ("Holding", "Stream", "Entry"):
        apps.get_model("portfolio", name).objects.update(currency=base)


class Migration(migrations.Migration):

    dependencies = [
        ('portfolio', '0012_rate'),
    ]

    operations = [
        migrations.AddField(
            model_name='entry',
            name='currency',
            field=models.CharField(default='', help_text='The currency of the amounts; figures convert them into your base currency.', max_length=3, validators=[accounts.validators.validate_currency]),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='holding',
            name='currency',
            field=models.CharField(default='', help_text='The currency of the amounts; figures convert them into your base currency.', max_length=3, validators=[accounts.validators.validate_currency]),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='stream',
            name='currency',
            field=models.CharField(default='', help_text='The currency of the amounts; figures convert them into your base currency.', max_length=3, validators=[accounts.validators.validate_currency]),
            preserve_default=False,
        ),
        migrations.RunPython(owners_currency, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='stream',
            name='amount',
            field=models.DecimalField(decimal_places=2, help_text="Paid on each payment date, in the stream's currency.", max_digits=14, validators=[django.core.validators.MinValueValidator(Decimal('0.01'))]),
        ),
        migrations.AddConstraint(
            model_name='entry',
            constraint=models.CheckConstraint(condition=models.Q(('currency', ''), _negated=True), name='entry_has_currency'),
        ),
        migrations.AddConstraint(
            model_name='holding',
            constraint=models.CheckConstraint(condition=models.Q(('currency', ''), _negated=True), name='holding_has_currency'),
        ),
        migrations.AddConstraint(
            model_name='stream',
            constraint=models.CheckConstraint(condition=models.Q(('currency', ''), _negated=True), name='stream_has_currency'),
        ),
    ]

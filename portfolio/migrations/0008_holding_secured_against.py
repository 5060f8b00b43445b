"""Loans secured against a holding: a nullable self-reference, never the holding itself."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('portfolio', '0007_snapshot_window_and_unknown_balances'),
    ]

    operations = [
        migrations.AddField(
            model_name='holding',
            name='secured_against',
            field=models.ForeignKey(blank=True, help_text="For a loan or mortgage: the holding it is secured against, whose cash flow then includes the loan's payments.", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='loans', to='portfolio.holding'),
        ),
        migrations.AddConstraint(
            model_name='holding',
            constraint=models.CheckConstraint(condition=models.Q(('secured_against', models.F('id')), _negated=True), name='holding_not_secured_against_itself'),
        ),
    ]

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("accounts", "0002_security"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="UserSession",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("session_key", models.CharField(blank=True, max_length=64)),
                ("started_at", models.DateTimeField()),
                ("last_seen_at", models.DateTimeField()),
                ("ip", models.CharField(blank=True, max_length=45)),
                ("user_agent", models.CharField(blank=True, max_length=200)),
                ("ended_at", models.DateTimeField(blank=True, null=True)),
                ("end_reason", models.CharField(blank=True, max_length=200)),
                ("ended_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                               related_name="+", to=settings.AUTH_USER_MODEL)),
                ("user", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                           related_name="tracked_sessions", to=settings.AUTH_USER_MODEL)),
            ],
            options={"verbose_name": "session", "verbose_name_plural": "sessions"},
        ),
        migrations.AddIndex(
            model_name="usersession",
            index=models.Index(fields=["user", "ended_at"], name="usersession_user_open_idx"),
        ),
        migrations.AddConstraint(
            model_name="usersession",
            constraint=models.CheckConstraint(
                condition=models.Q(("ended_at__isnull", True), ("ended_at__gte", models.F("started_at")),
                                   _connector="OR"),
                name="usersession_ends_after_start",
            ),
        ),
        migrations.AddConstraint(
            model_name="usersession",
            constraint=models.CheckConstraint(
                condition=models.Q(("last_seen_at__gte", models.F("started_at"))),
                name="usersession_seen_after_start",
            ),
        ),
    ]

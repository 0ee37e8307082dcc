from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "Argument maps"
    default_auto_field = "django.db.models.BigAutoField"

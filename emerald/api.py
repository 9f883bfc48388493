"""The JSON API root (django-ninja): routers of every area are mounted here."""

from ninja import NinjaAPI

api = NinjaAPI(title="Emerald API", version="1", urls_namespace="api")

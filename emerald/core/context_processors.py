"""What every page's header needs: which menu entries the user may see, and the search text."""

from __future__ import annotations

from emerald.accounts.permissions import allowed


def emerald(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": {}}
    return {
        "menu": {
            "orders": allowed(user, "non_association.view"),
            "audit": allowed(user, "audit.view"),
        },
        "search_q": request.GET.get("q", "") if request.resolver_match and
        request.resolver_match.view_name == "people:search" else "",
    }

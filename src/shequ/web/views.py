from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from shequ.accounts.models import User
from shequ.accounts.selectors import my_grants


def home(request: HttpRequest) -> HttpResponse:
    """The start page: what the signed-in person can do, or an invitation to sign in."""
    user = request.user
    grants = my_grants(actor=user) if isinstance(user, User) else []
    return render(request, "home.html", {"grants": grants})

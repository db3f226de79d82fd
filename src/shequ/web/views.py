from django.shortcuts import render

from shequ.accounts.selectors import my_grants


def home(request):
    """The start page: what the signed-in person can do, or an invitation to sign in."""
    grants = my_grants(actor=request.user) if request.user.is_authenticated else []
    return render(request, "home.html", {"grants": grants})

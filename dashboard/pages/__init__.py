"""The account's pages, one module per concern; each gives its routes (``urlpatterns``) and its section of
``/account/`` (``account_context(request) -> dict``, rendered by ``templates/dashboard/account/_<module>.html``)."""

from . import api_keys, billing, lifecycle, privacy, responsible, webhooks

SECTIONS = (billing, lifecycle, api_keys, webhooks, responsible, privacy)


def account_context(request) -> dict:
    context: dict = {}
    for section in SECTIONS:
        context.update(section.account_context(request))
    return context


urlpatterns = [route for section in SECTIONS for route in section.urlpatterns]

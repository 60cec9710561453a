"""API exceptions with stable codes; the envelope handler in turf.api renders them."""

from rest_framework import status
from rest_framework.exceptions import APIException


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This resource already exists."
    default_code = "conflict"

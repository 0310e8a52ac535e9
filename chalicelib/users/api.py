"""HTTP routes of the users API."""

from chalice import Response

from chalicelib.users import services
from chalicelib.users.authentication import user_from_authorization
from chalicelib.users.schemas import ChangePasswordRequest, LoginRequest, RegisterRequest, TokenResponse
from chalicelib.web.blueprint import ApiBlueprint
from chalicelib.web.requests import parse_body

users_api = ApiBlueprint(__name__)


@users_api.route("/api/users/register", methods=["POST"])
def register() -> Response:
    request = parse_body(users_api.current_request, RegisterRequest)
    user = services.user_register(
        email=request.email,
        password=request.password,
        first_name=request.first_name,
        last_name=request.last_name,
    )
    return Response(body=TokenResponse(token=services.user_issue_token(user=user)).model_dump(), status_code=201)


@users_api.route("/api/users/login", methods=["POST"])
def login() -> dict:
    request = parse_body(users_api.current_request, LoginRequest)
    user = services.user_authenticate_credentials(email=request.email, password=request.password)
    return TokenResponse(token=services.user_issue_token(user=user)).model_dump()


@users_api.route("/api/users/change-password", methods=["POST"])
def change_password() -> dict:
    """Every token issued before stops working; the answer carries a new one."""
    user = user_from_authorization(users_api.current_request.headers.get("authorization"))
    request = parse_body(users_api.current_request, ChangePasswordRequest)
    user = services.user_change_password(
        user=user, current_password=request.current_password, new_password=request.new_password
    )
    return TokenResponse(token=services.user_issue_token(user=user)).model_dump()

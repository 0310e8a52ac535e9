"""HTTP routes of the users API."""

from chalice import Response

from chalicelib.users import services
from chalicelib.users.schemas import LoginRequest, RegisterRequest, TokenResponse
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

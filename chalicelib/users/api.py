"""HTTP routes of the users API."""

from chalice import Response

from chalicelib.users import services
from chalicelib.users.schemas import ChangePasswordRequest, LoginRequest, RegisterRequest, TokenResponse
from chalicelib.web.access import Caller, token
from chalicelib.web.blueprint import ApiBlueprint
from chalicelib.web.openapi import Operation
from chalicelib.web.requests import client_address, parse_body

users_api = ApiBlueprint(__name__)


@users_api.route(
    "/api/users/register",
    methods=["POST"],
    operation=Operation(
        summary="Register and get a token",
        tag="users",
        request=RegisterRequest,
        responses={201: TokenResponse},
        errors=(409,),
    ),
)
def register() -> Response:
    request = parse_body(users_api.current_request, RegisterRequest)
    token = services.user_sign_up(
        email=request.email, password=request.password, first_name=request.first_name, last_name=request.last_name
    )
    return Response(body=TokenResponse(token=token).model_dump(), status_code=201)


@users_api.route(
    "/api/users/login",
    methods=["POST"],
    operation=Operation(
        summary="Log in and get a token",
        tag="users",
        request=LoginRequest,
        responses={200: TokenResponse},
        errors=(401, 429),
        description="After 5 failed logins for one email from one client address within 15 minutes, that pair "
        "gets 429 until the window passes; after 100 for one email from any address, that email does.",
    ),
)
def login() -> dict:
    request = parse_body(users_api.current_request, LoginRequest)
    user = services.user_authenticate_credentials(
        email=request.email, password=request.password, client_address=client_address(users_api.current_request)
    )
    return TokenResponse(token=services.user_issue_token(user=user)).model_dump()


@users_api.route(
    "/api/users/change-password",
    methods=["POST"],
    operation=Operation(
        summary="Change one's password; earlier tokens stop working",
        tag="users",
        request=ChangePasswordRequest,
        responses={200: TokenResponse},
        access=token(),
        errors=(409, 429),
    ),
)
def change_password(caller: Caller) -> dict:
    """Every token issued before stops working; the answer carries a new one."""
    request = parse_body(users_api.current_request, ChangePasswordRequest)
    user = services.user_change_password(
        user=caller.user, current_password=request.current_password, new_password=request.new_password
    )
    return TokenResponse(token=services.user_issue_token(user=user)).model_dump()

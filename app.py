"""Catalyst: the app, its blueprints and its event handlers. Nothing else."""

from chalice import Chalice

from chalicelib.health import health_api
from chalicelib.orders.api import orders_api
from chalicelib.users.api import users_api
from chalicelib.web.errors import chalice_errors_as_detail

app = Chalice(app_name="catalyst")
app.register_blueprint(users_api)
app.register_blueprint(orders_api)
app.register_blueprint(health_api)
app.register_middleware(chalice_errors_as_detail, "http")

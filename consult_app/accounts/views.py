"""Registration, sign-in, sign-out, password reset, profile. (Stub: being written.)"""

from flask import Blueprint

bp = Blueprint("accounts", __name__, url_prefix="/account")


@bp.route("/login", methods=["GET", "POST"])
def login() -> str:
    return "login"


@bp.route("/register", methods=["GET", "POST"])
def register() -> str:
    return "register"


@bp.post("/logout")
def logout() -> str:
    return "logout"


@bp.get("/profile")
def profile() -> str:
    return "profile"

"""Check deploy/nginx/hive.conf for real: nginx in front of gunicorn, DEBUG=0, uploads
served through X-Accel-Redirect. Needs nginx on the PATH (Debian: apt-get install nginx).

    .venv/bin/python scripts/check_media_proxy.py

In a temporary folder: a SQLite database with two communities, a staff member of each and
a committee document of the first; gunicorn on 127.0.0.1 with production settings and
HIVE_MEDIA_ACCEL_REDIRECT=/protected-media/; nginx with the repository's server block
(only the upstream address, the port and the media folder changed). Then it asks, through
nginx: the staff member of the document's community gets the file with its headers,
the other community's staff and a visitor get 404, the internal location and path tricks
get 404. Prints one line per check and exits non-zero on the first failure. Loopback only;
both servers are stopped at the end.
"""

import http.cookiejar
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
WEB_PORT, PROXY_PORT = 18700, 18780
PDF = b"%PDF-1.7\n<html><script>alert(1)</script></html>\n"
PASSWORD = secrets.token_urlsafe(12)

OTP_KEY = "3132333435363738393031323334353637383930"  # the RFC 6238 test key
SETUP = """
from django.core.files.base import ContentFile
from django_otp.plugins.otp_totp.models import TOTPDevice
from hive.models import Community, Street, User
from hive.access.roles import Role
from hive.services import role_assign
from partycommittee.models import BigPartyCommittee, CommitteeDocument

street = Street.objects.create(name="赛鱼街道", code="saiyu")
a = Community.objects.create(street=street, name="虎尾沟社区", code="a")
b = Community.objects.create(street=street, name="新泽苑社区", code="b")
for username, community in (("staff_a", a), ("staff_b", b)):
    user = User.objects.create_user(username=username, password={password!r}, name=username)
    role_assign(user=user, role=Role.COMMUNITY_STAFF, community=community)
    # Staff confirm a second factor (DEBUG=0): an authenticator with a known key.
    TOTPDevice.objects.create(user=user, name="phone", key={otp_key!r}, confirmed=True)
committee = BigPartyCommittee.objects.create(community=a, name="大党委")
row = CommitteeDocument.objects.create(
    committee=committee, title="实施办法", file=ContentFile({pdf!r}, "evil.html")
)
print("NAME=" + row.file.name)
# A row from before names were generated: the uploader's name, kept as it was.
legacy = CommitteeDocument.objects.create(
    committee=committee, title="旧", file=ContentFile({pdf!r})
)
path = legacy.file.storage.path("committee/旧 章程.html")
with open(path, "wb") as handle:
    handle.write({pdf!r})
CommitteeDocument.objects.filter(pk=legacy.pk).update(file="committee/旧 章程.html")
"""


def _request(opener, path, data=None, headers=None):
    url = f"http://127.0.0.1:{PROXY_PORT}{path}"
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, _headers(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, _headers(error.headers), error.read()


def _headers(message) -> dict:
    """Each header once; a header nginx sent twice shows as its values joined by " | "."""
    return {key: " | ".join(message.get_all(key)) for key in set(message.keys())}


def _login(username):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())
    _status, _headers, body = _request(opener, "/portal/login/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    form = urllib.parse.urlencode(
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}
    ).encode()
    status, _headers, _body = _request(
        opener, "/portal/login/", form, {"Referer": f"http://127.0.0.1:{PROXY_PORT}/"}
    )
    if status != 302:
        raise SystemExit(f"login of {username} answered {status}")
    # Then the second factor, as staff type it from their authenticator app.
    from django_otp.oath import totp

    _status, _headers, body = _request(opener, "/portal/second-factor/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    code = f"{totp(bytes.fromhex(OTP_KEY)):06d}"
    form = urllib.parse.urlencode({"token": code, "csrfmiddlewaretoken": token}).encode()
    status, _headers, _body = _request(
        opener, "/portal/second-factor/", form, {"Referer": f"http://127.0.0.1:{PROXY_PORT}/"}
    )
    if status != 302:
        raise SystemExit(f"second factor of {username} answered {status}")
    return opener


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _wait(port):
    import socket

    for _ in range(100):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"nothing listens on {port}")


def _nginx_conf(folder: Path, media: Path) -> Path:
    server = (ROOT / "deploy" / "nginx" / "hive.conf").read_text()
    server = server.replace("server web:8000;", f"server 127.0.0.1:{WEB_PORT};")
    server = server.replace("listen 8080;", f"listen 127.0.0.1:{PROXY_PORT};")
    server = server.replace("alias /srv/media/;", f"alias {media}/;")
    (folder / "server.conf").write_text(server)
    main = folder / "nginx.conf"
    main.write_text(
        f"""
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{}}
http {{
    include /etc/nginx/mime.types;
    access_log {folder}/access.log;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    include {folder}/server.conf;
}}
"""
    )
    return main


def main() -> int:
    if not shutil.which("nginx"):
        print("nginx is not installed (Debian: apt-get install nginx)")
        return 2
    folder = Path(tempfile.mkdtemp(prefix="hive-media-proxy-"))
    folder.chmod(0o755)  # nginx's workers run as another user (www-data)
    media = folder / "media"
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "MEDIA_ROOT": str(media),
        "HIVE_MEDIA_ACCEL_REDIRECT": "/protected-media/",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "STATIC_MANIFEST": "0",
        "CLIENT_IP_META_KEY": "HTTP_X_REAL_IP",
        "CSRF_TRUSTED_ORIGINS": f"http://127.0.0.1:{PROXY_PORT}",
    }
    env.pop("REDIS_URL", None)
    manage = [PYTHON, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)  # noqa: S603
    out = subprocess.run(  # noqa: S603 - fixed arguments
        [*manage, "shell", "-c", SETUP.format(password=PASSWORD, pdf=PDF, otp_key=OTP_KEY)],
        env=env,
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout
    name = re.search(r"NAME=(\S+)", out).group(1)
    conf = _nginx_conf(folder, media)
    web = subprocess.Popen(  # noqa: S603 - fixed arguments
        [PYTHON, "-m", "gunicorn", "config.wsgi:application", "-b", f"127.0.0.1:{WEB_PORT}"],
        env=env,
        cwd=ROOT,
        stderr=subprocess.DEVNULL,
    )
    nginx = shutil.which("nginx")
    proxy = subprocess.Popen([nginx, "-c", str(conf), "-g", "daemon off;"])  # noqa: S603
    failures = 0

    def check(label, condition):
        nonlocal failures
        print(("ok   " if condition else "FAIL ") + label)
        failures += not condition

    try:
        _wait(WEB_PORT)
        _wait(PROXY_PORT)
        anonymous = urllib.request.build_opener(_NoRedirect())
        staff_a, staff_b = _login("staff_a"), _login("staff_b")
        check(f"stored under a generated name: {name}", re.search(r"/[0-9a-f]{32}\.pdf$", name))
        status, headers, body = _request(staff_a, f"/media/{name}")
        check(f"staff of the community: {status} and the file", status == 200 and body == PDF)
        if status != 200:
            print(body[:300], (folder / "error.log").read_text()[-600:])
        content_type = headers.get("Content-Type")
        check(f"Content-Type {content_type}", content_type == "application/pdf")
        disposition = headers.get("Content-Disposition", "")
        check(f"Content-Disposition {disposition}", disposition.startswith("attachment;"))
        check("nosniff", headers.get("X-Content-Type-Options") == "nosniff")
        check("no X-Accel-Redirect leaks", "X-Accel-Redirect" not in headers)
        cache = headers.get("Cache-Control")
        check(f"Cache-Control {cache}", cache == "private, no-store")
        check("another community's staff: 404", _request(staff_b, f"/media/{name}")[0] == 404)
        check("a visitor: 404", _request(anonymous, f"/media/{name}")[0] == 404)
        check(
            "the internal location asked directly: 404",
            _request(staff_a, f"/protected-media/{name}")[0] == 404,
        )
        legacy = urllib.parse.quote("/media/committee/旧 章程.html")
        status, headers, body = _request(staff_a, legacy)
        check(f"an old row's own name: {status}", status == 200 and body == PDF)
        content_type = headers.get("Content-Type")
        check(f"... as {content_type}", content_type == "application/octet-stream")
        for path in (
            "/media/../manage.py",
            "/media/%2e%2e/%2e%2e/etc/passwd",
            "/media//etc/passwd",
            f"/media/{name}%00",
            f"/media/{name}/../{name.rpartition('/')[2]}",
            "/media/committee/%5c..%5c..%5cmanage.py",
        ):
            status = _request(staff_a, path)[0]
            check(f"{path}: {status}", status in (400, 404))
    finally:
        proxy.terminate()
        web.terminate()
        proxy.wait(10)
        web.wait(10)
        shutil.rmtree(folder, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

"""The English left in Chinese pages: the lock-out app's name in the admin, the admin's
screen-reader headers, the production error pages, the API docs page, the language switch."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import path, reverse

from config import urls as project_urls

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("boom")


def _forbidden(request):
    raise PermissionDenied


# The project's URLs, with a view that fails and one that refuses.
urlpatterns = [
    path("test-boom/", _boom),
    path("test-forbidden/", _forbidden),
    *project_urls.urlpatterns,
]
handler400 = project_urls.handler400
handler404 = project_urls.handler404


def test_the_admin_index_names_the_lock_out_app_and_its_hidden_headers_in_chinese(world, client):
    client.force_login(world.street_admin)
    home = client.get(reverse("admin:index")).content.decode()
    assert "登录失败记录" in home and ">Axes<" not in home  # in the System group
    page = client.get(reverse("admin:app_list", args=["axes"])).content.decode()
    assert "登录锁定" in page and ">Axes<" not in page
    for english in ["Model name", "Add link", "Change or view list link"]:
        assert english not in page and english not in home
    assert "模型名称" in page


@pytest.mark.parametrize(
    ("url", "status", "chinese"),
    [
        ("/test-forbidden/", 403, "无权操作"),
        ("/no-such-page/", 404, "页面不存在"),
        ("/test-boom/", 500, "出了点问题"),
    ],
)
def test_error_pages_in_production_are_chinese(settings, client, url, status, chinese):
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__
    client.raise_request_exception = False
    response = client.get(url)
    assert response.status_code == status
    page = response.content.decode()
    assert chinese in page and 'lang="zh-hans"' in page
    assert "Forbidden" not in page and "Not Found" not in page and "Server Error" not in page


def test_the_api_docs_page_is_in_the_interface_language(client):
    page = client.get(reverse("swagger-ui")).content.decode()
    assert '<html lang="zh-hans">' in page
    assert "<title>Hive 接口文档</title>" in page


def test_the_language_switch_names_each_language_in_itself(client):
    page = client.get("/").content.decode()
    assert '<option value="en" lang="en">English</option>' in page
    assert "英语" not in page
    assert '<option value="zh-hans" lang="zh-hans" selected>简体中文</option>' in page

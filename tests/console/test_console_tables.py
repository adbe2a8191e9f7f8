"""The tables page in headless Chromium against a real server: create a table with a
partition and sort key, put items with the JSON editor, see them in the scan, query by key,
delete an item, delete the table."""

from __future__ import annotations

import json
from typing import Any

from consolekit import (
    CONSOLE_MARKS,
    console_browser,
    console_page,
    console_server,
    open_page,
    shoot,
    sign_in,
)

pytestmark = CONSOLE_MARKS
__all__ = ["console_browser", "console_page", "console_server"]


def put_item(page: Any, item: dict[str, Any]) -> None:
    form = page.locator("form[data-test=put-item]")
    form.locator("textarea[name=item]").fill(json.dumps(item))
    form.locator("button[type=submit]").click()
    page.locator("#banner .notice", has_text="Put item").wait_for()


def items_shown(page: Any) -> list[Any]:
    cells = page.locator("[data-test=item-row] [data-test=item-json]")
    return [json.loads(text) for text in cells.all_inner_texts()]


def test_create_put_scan_query_delete(console_server: Any, console_page: Any) -> None:
    page, ddb = console_page, console_server.client("dynamodb")
    sign_in(page, console_server)
    open_page(page, "tables")
    create = page.locator("form[data-test=create-table]")
    create.locator("input[name=name]").fill("console-orders")
    create.locator("input[name=pk]").fill("customer")
    create.locator("input[name=sk]").fill("n")
    create.locator("select[name=skType]").select_option("N")
    create.locator("button[type=submit]").click()
    page.locator("[data-test=table-name]", has_text="console-orders").wait_for()
    keys = ddb.describe_table(TableName="console-orders")["Table"]["KeySchema"]
    assert [(k["AttributeName"], k["KeyType"]) for k in keys] == [
        ("customer", "HASH"),
        ("n", "RANGE"),
    ]

    first = {"customer": "ada", "n": 1, "total": 12.5, "tags": ["a", "b"], "paid": True}
    put_item(page, first)
    put_item(page, {"customer": "ada", "n": 2, "note": None})
    put_item(page, {"customer": "bob", "n": 1, "address": {"city": "Lyon"}})
    page.locator("[data-test=item-row]").nth(2).wait_for()
    assert first in items_shown(page)
    got = ddb.get_item(TableName="console-orders", Key={"customer": {"S": "ada"}, "n": {"N": "1"}})
    assert got["Item"]["total"] == {"N": "12.5"} and got["Item"]["paid"] == {"BOOL": True}
    shoot(page, "tables")

    read = page.locator("form[data-test=read-items]")
    read.locator("input[name=pkValue]").fill("ada")
    read.locator("input[name=skValue]").fill("2")
    read.locator("select[name=op]").select_option(">=")
    read.locator("button[type=submit]").click()
    page.locator("[data-test=items-output]", has_text="(Query)").wait_for()
    assert items_shown(page) == [{"customer": "ada", "n": 2, "note": None}]

    delete = page.locator("[data-test=item-row] [data-test=delete-item]")
    delete.click()
    delete.click()
    page.locator("#banner .notice", has_text="Deleted item").wait_for()
    assert ddb.scan(TableName="console-orders")["Count"] == 2

    open_page(page, "tables")
    drop = page.locator("[data-test=table-row][data-name=console-orders] [data-test=delete-table]")
    drop.click()
    drop.click()
    page.locator("#banner .notice", has_text="Deleted table").wait_for()
    assert ddb.list_tables()["TableNames"] == []

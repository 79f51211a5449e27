"""netinv.report.tables: Markdown tables."""

from netinv.report.tables import markdown_table


def test_markdown_table_known_text():
    assert markdown_table(["node", "level"], [["a", 1.5], ["b", 2]]) == (
        "| node | level |\n|---|---|\n| a | 1.5 |\n| b | 2 |"
    )
    assert markdown_table(["x"], []) == "| x |\n|---|"

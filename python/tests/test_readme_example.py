"""The README's plugin example, run as it is written there (the test below keeps the two identical)."""
from pathlib import Path


def test_cdc_batch_lands_in_delta(spark_session, delta_table_path, mysql_connection, alertmanager_client):  # type: ignore[no-untyped-def]
    cur = mysql_connection.cursor()
    cur.execute("CREATE TABLE IF NOT EXISTS orders (id INT PRIMARY KEY, status VARCHAR(16))")
    cur.execute("REPLACE INTO orders VALUES (1, 'new')")
    mysql_connection.commit()

    spark_session.sql("SELECT * FROM VALUES (1, 'new') AS t(id, status)").write.format("delta").save(delta_table_path)
    spark_session.sql(f"""MERGE INTO delta.`{delta_table_path}` t
        USING (SELECT 1 AS id, 'paid' AS status) c ON t.id = c.id
        WHEN MATCHED THEN UPDATE SET *""")
    assert [tuple(r) for r in spark_session.read.format("delta").load(delta_table_path).collect()] == [(1, "paid")]

    alertmanager_client.post_alert({"alertname": "CdcLag", "service": "orders"}, {"summary": "test"})
    assert alertmanager_client.get_alerts({"alertname": "CdcLag", "service": "orders"})


def test_the_readme_shows_exactly_this_example() -> None:
    source = Path(__file__).read_text()
    example = source[source.index("def test_cdc_batch"):source.index("\n\n\ndef test_the_readme")]
    example = example.replace("  # type: ignore[no-untyped-def]", "")
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert example in readme

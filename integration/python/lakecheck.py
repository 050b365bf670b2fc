"""psycopg2 against lakegate: prints key=value lines that psycopg_test.go compares
with values it computes from the demo lake's generators.

usage: lakecheck.py HOST PORT USER PASSWORD DB STORE_ID PRODUCT_LIMIT
"""
import sys
import threading

import psycopg2
import psycopg2.errors

host, port, user, password, db, store_id, product_limit = sys.argv[1:8]
store_id, product_limit = int(store_id), int(product_limit)


def out(key, value):
    print(f"{key}={value}", flush=True)


def pgcode(fn):
    """Runs fn and returns the SQLSTATE it raised, or 'none'."""
    try:
        fn()
    except psycopg2.Error as e:
        return e.pgcode
    return "none"


conn = psycopg2.connect(host=host, port=port, user=user, password=password, dbname=db,
                        connect_timeout=10)

# Regular queries with parameters (psycopg2 interpolates them client-side).
with conn.cursor() as cur:
    cur.execute("SELECT count(*), sum(qty) FROM shop.sales WHERE store_id = %s", (store_id,))
    n, qty = cur.fetchone()
    out("store.count", n)
    out("store.qty", qty)
    cur.execute("SELECT product_id, name, price FROM shop.products WHERE product_id = %s AND active IN (%s, %s)",
                (product_limit, True, False))
    pid, name, price = cur.fetchone()
    out("product.name", name)
    out("product.price", price)
conn.commit()

# A named (server-side) cursor read with itersize: DECLARE once, FETCH FORWARD 1000
# until the end.
cur = conn.cursor("all_sales")
cur.itersize = 1000
cur.execute("SELECT sale_id, qty FROM shop.sales ORDER BY sale_id")
count, id_sum, qty_sum, prev, ordered = 0, 0, 0, None, True
for sale_id, qty in cur:
    if prev is not None and sale_id <= prev:
        ordered = False
    prev = sale_id
    count += 1
    id_sum += sale_id
    qty_sum += qty
out("named.count", count)
out("named.id_sum", id_sum)
out("named.qty_sum", qty_sum)
out("named.ordered", ordered)
out("named.last", prev)
cur.close()
conn.commit()

# fetchmany, fetchone and fetchall on a named cursor with a parameter.
cur = conn.cursor("few_products")
cur.execute("SELECT product_id, name FROM shop.products WHERE product_id <= %s ORDER BY product_id",
            (product_limit,))
first = cur.fetchmany(7)
second = cur.fetchmany(7)
one = cur.fetchone()
rest = cur.fetchall()
out("fetchmany.first", ",".join(str(r[0]) for r in first))
out("fetchmany.second", ",".join(str(r[0]) for r in second))
out("fetchmany.one", one[0] if one else "none")
out("fetchmany.rest", len(rest))
out("fetchmany.last_name", rest[-1][1] if rest else "none")
out("fetchmany.after_end", len(cur.fetchmany(5)))
cur.close()
conn.commit()

# SQL cursor statements as PostgreSQL answers them.
with conn.cursor() as cur:
    cur.execute('DECLARE "c1" NO SCROLL CURSOR WITHOUT HOLD FOR SELECT sale_id FROM shop.sales ORDER BY sale_id')
    cur.execute("MOVE FORWARD 10 IN c1")
    out("sql.move", cur.statusmessage)
    cur.execute("FETCH 3 FROM c1")
    out("sql.fetch3", ",".join(str(r[0]) for r in cur.fetchall()))
    cur.execute("FETCH NEXT FROM c1")
    out("sql.next", cur.fetchone()[0])
    cur.execute("FETCH RELATIVE 2 FROM c1")
    out("sql.relative2", cur.fetchone()[0])
    out("sql.backward", pgcode(lambda: cur.execute("FETCH BACKWARD 1 FROM c1")))
    conn.rollback()
    out("sql.after_rollback", pgcode(lambda: cur.execute("FETCH 1 FROM c1")))
    conn.rollback()
    cur.execute("DECLARE c2 CURSOR FOR SELECT 1")
    out("sql.duplicate", pgcode(lambda: cur.execute("DECLARE c2 CURSOR FOR SELECT 2")))
    conn.rollback()
    cur.execute("DECLARE c3 CURSOR FOR SELECT product_id FROM shop.products ORDER BY product_id")
    cur.execute("CLOSE c3")
    out("sql.close", cur.statusmessage)
    out("sql.closed", pgcode(lambda: cur.execute("FETCH 1 FROM c3")))
    conn.rollback()
    out("sql.scroll", pgcode(lambda: cur.execute("DECLARE c4 SCROLL CURSOR FOR SELECT 1")))
    conn.rollback()
    out("sql.hold", pgcode(lambda: cur.execute("DECLARE c5 CURSOR WITH HOLD FOR SELECT 1")))
    conn.rollback()
    cur.execute("DECLARE c6 CURSOR FOR SELECT 1")
    cur.execute("COMMIT")
    out("sql.after_commit", pgcode(lambda: cur.execute("FETCH 1 FROM c6")))
    conn.rollback()

conn.autocommit = True

# statement_timeout and a CancelRequest stop a query DuckDB would work on for hours.
LONG = "SELECT count(*) FROM generate_series(1, 1000000) x(a), generate_series(1, 1000000) y(b) WHERE a + b = 3"
with conn.cursor() as cur:
    cur.execute("SET statement_timeout = 300")
    out("timeout", pgcode(lambda: cur.execute(LONG)))
    cur.execute("RESET statement_timeout")
    timer = threading.Timer(0.3, conn.cancel)
    timer.start()
    out("cancel", pgcode(lambda: cur.execute(LONG)))
    timer.join()
with conn.cursor() as cur:
    out("sql.outside_tx", pgcode(lambda: cur.execute("DECLARE c7 CURSOR FOR SELECT 1")))
    out("sql.unknown", pgcode(lambda: cur.execute("FETCH 1 FROM nosuch")))
    # The connection still works after the errors.
    cur.execute("SELECT count(*) FROM shop.products")
    out("after_errors.products", cur.fetchone()[0])
conn.close()

// node-postgres against lakegate: prints key=value lines that node_test.go compares
// with values it computes from the demo lake's generators.
//
// usage: node lakecheck.js HOST PORT USER PASSWORD DB STORE_ID PRODUCT_ID BATCH
'use strict'
const { Client } = require('pg')
const Cursor = require('pg-cursor')

const [host, port, user, password, database, storeId, productId, batch] = process.argv.slice(2)

function out(key, value) {
  process.stdout.write(`${key}=${value}\n`)
}

async function code(fn) {
  try {
    await fn()
  } catch (e) {
    return e.code || e.message
  }
  return 'none'
}

async function main() {
  const client = new Client({ host, port: Number(port), user, password, database, connectionTimeoutMillis: 10000 })
  await client.connect()

  // Simple protocol: a query without parameters.
  let r = await client.query('SELECT count(*) AS n FROM shop.sales')
  out('simple.count', r.rows[0].n)

  // Extended protocol: parameters bound as text, results typed from RowDescription.
  r = await client.query('SELECT count(*) AS n, sum(qty) AS q FROM shop.sales WHERE store_id = $1', [Number(storeId)])
  out('param.count', r.rows[0].n)
  out('param.qty', r.rows[0].q)
  r = await client.query({ text: 'SELECT name, price, active FROM shop.products WHERE product_id = $1', values: [productId] })
  out('param.name', r.rows[0].name)
  out('param.price', r.rows[0].price)
  out('param.active', r.rows[0].active)
  out('param.error', await code(() => client.query('SELECT * FROM shop.nosuch WHERE x = $1', [1])))

  // pg-cursor: a portal read in batches with Execute(row limit) + Flush.
  const cursor = client.query(new Cursor('SELECT sale_id, qty FROM shop.sales WHERE store_id <> $1 ORDER BY sale_id', [0]))
  let batches = 0, count = 0, idSum = 0n, qtySum = 0n, prev = -1n, ordered = true, full = true
  const size = Number(batch)
  for (;;) {
    const rows = await cursor.read(size)
    if (rows.length === 0) break
    if (rows.length !== size) full = false
    batches++
    for (const row of rows) {
      const id = BigInt(row.sale_id)
      if (id <= prev) ordered = false
      prev = id
      count++
      idSum += id
      qtySum += BigInt(row.qty)
    }
  }
  await cursor.close()
  out('cursor.count', count)
  out('cursor.batches', batches)
  out('cursor.id_sum', idSum)
  out('cursor.qty_sum', qtySum)
  out('cursor.ordered', ordered)
  out('cursor.last', prev)
  out('cursor.full_batches', full)

  // A cursor closed before its end, then the connection is used again.
  const early = client.query(new Cursor('SELECT product_id FROM shop.products ORDER BY product_id'))
  const firstRows = await early.read(3)
  out('early.first', firstRows.map((x) => x.product_id).join(','))
  await early.close()
  r = await client.query('SELECT count(*) AS n FROM shop.products')
  out('after_cursor.products', r.rows[0].n)
  await client.end()
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack ? e.stack : e) + '\n')
  process.exit(1)
})

package integration

// demoQueries cover joins, windows, grouping sets, NULLs, numeric precision,
// unicode text, timestamps with and without zone and date arithmetic.
var demoQueries = []diffQuery{
	// Joins.
	{name: "join_inner", sql: `SELECT p.category, st.city, count(*) AS n, sum(s.qty) AS units, sum(p.price * s.qty) AS list_value
		FROM shop.sales s JOIN shop.products p ON p.product_id = s.product_id JOIN shop.stores st USING (store_id)
		GROUP BY p.category, st.city`},
	{name: "join_left_nulls", sql: `SELECT st.store_id, st.city, x.n
		FROM shop.stores st LEFT JOIN (SELECT store_id, count(*) AS n FROM shop.sales
			WHERE ts >= '2025-03-01' AND ts < '2025-03-08' AND store_id % 3 = 1 GROUP BY store_id) x ON x.store_id = st.store_id
		ORDER BY x.n NULLS FIRST, st.store_id`, orderBy: []int{2, 0}},
	{name: "join_full", sql: `SELECT coalesce(a.product_id, b.product_id) AS product_id, a.n AS n1, b.n AS n2
		FROM (SELECT product_id, count(*) AS n FROM shop.sales WHERE store_id = 1 AND qty > 3 GROUP BY product_id) a
		FULL JOIN (SELECT product_id, count(*) AS n FROM shop.sales WHERE store_id = 2 AND qty > 3 GROUP BY product_id) b
		ON a.product_id = b.product_id`},
	{name: "semi_exists", sql: `SELECT p.product_id, p.name FROM shop.products p
		WHERE EXISTS (SELECT 1 FROM shop.sales s WHERE s.product_id = p.product_id AND s.qty >= 6 AND s.store_id = 3)`},
	{name: "anti_not_exists", sql: `SELECT p.product_id, p.category FROM shop.products p
		WHERE NOT EXISTS (SELECT 1 FROM shop.sales s WHERE s.product_id = p.product_id AND s.store_id = 3 AND s.ts >= '2025-12-20')
		ORDER BY p.category DESC, p.product_id`, orderBy: []int{1, 0}},
	{name: "semi_in_anti_not_in", sql: `SELECT
		(SELECT count(*) FROM shop.products WHERE product_id IN (SELECT product_id FROM shop.sales WHERE qty > 7)) AS in_n,
		(SELECT count(*) FROM shop.products WHERE product_id NOT IN (SELECT product_id FROM shop.sales WHERE store_id = 5)) AS not_in_n,
		(SELECT count(*) FROM shop.products WHERE product_id NOT IN
			(SELECT CASE WHEN product_id % 7 = 0 THEN NULL ELSE product_id END FROM shop.sales WHERE store_id = 5)) AS not_in_null_n`},
	// Windows.
	{name: "window_row_number", sql: `SELECT product_id, day, revenue,
		row_number() OVER (PARTITION BY product_id ORDER BY revenue DESC, day) AS rn
		FROM shop.product_kpis WHERE day >= '2025-11-01'`},
	{name: "window_rank", sql: `SELECT category, product_id, price,
		rank() OVER (PARTITION BY category ORDER BY price DESC) AS rk,
		dense_rank() OVER (ORDER BY category) AS cat_rank,
		percent_rank() OVER (PARTITION BY category ORDER BY price) AS pr,
		cume_dist() OVER (PARTITION BY category ORDER BY price) AS cd,
		ntile(3) OVER (ORDER BY price, product_id) AS tile
		FROM shop.products`},
	{name: "window_lag_lead", sql: `SELECT product_id, day, units,
		lag(units) OVER w AS prev, lead(units, 2, -1) OVER w AS next2,
		first_value(units) OVER w AS first_units,
		last_value(units) OVER (PARTITION BY product_id ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS last_units
		FROM shop.product_kpis WHERE day < '2024-02-01'
		WINDOW w AS (PARTITION BY product_id ORDER BY day)`},
	{name: "window_frames", sql: `SELECT product_id, day,
		sum(units) OVER (PARTITION BY product_id ORDER BY day ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS units_3,
		sum(units) OVER (PARTITION BY product_id ORDER BY day) AS running_units,
		sum(price_reco) OVER (PARTITION BY product_id ORDER BY day RANGE BETWEEN INTERVAL '3 days' PRECEDING AND CURRENT ROW) AS reco_4d,
		avg(revenue) OVER (PARTITION BY product_id ORDER BY day ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS rev_avg3,
		count(*) OVER (PARTITION BY product_id) AS days
		FROM shop.product_kpis WHERE day >= '2025-12-01'`},
	{name: "window_running_sales", sql: `SELECT store_id, sale_id, qty,
		sum(qty) OVER (PARTITION BY store_id ORDER BY ts, sale_id) AS running_qty,
		sum(amount) OVER (PARTITION BY store_id ORDER BY ts, sale_id ROWS UNBOUNDED PRECEDING) AS running_amount
		FROM shop.sales WHERE ts >= '2025-12-30'`},
	// Grouping sets.
	{name: "grouping_sets", sql: `SELECT category, active, count(*) AS n, sum(price) AS total, grouping(category, active) AS g
		FROM shop.products GROUP BY GROUPING SETS ((category), (active), ())
		ORDER BY g, category NULLS FIRST, active NULLS FIRST`, orderBy: []int{4, 0, 1}},
	{name: "rollup", sql: `SELECT store_id, date_trunc('month', ts) AS month, count(*) AS n, sum(qty) AS units
		FROM shop.sales WHERE ts >= '2025-10-01' GROUP BY ROLLUP (store_id, date_trunc('month', ts))`},
	{name: "cube", sql: `SELECT p.category, extract(year FROM s.ts) AS yr, count(*) AS n, grouping(p.category) AS gc
		FROM shop.sales s JOIN shop.products p USING (product_id) GROUP BY CUBE (p.category, extract(year FROM s.ts))`},
	// NULL handling.
	{name: "nulls_order", sql: `SELECT product_id, nullif(category, 'Toys') AS cat
		FROM shop.products ORDER BY cat DESC, product_id`, orderBy: []int{1, 0}},
	{name: "nulls_order_explicit", sql: `SELECT product_id, CASE WHEN product_id % 4 = 0 THEN NULL ELSE price END AS p
		FROM shop.products ORDER BY p ASC NULLS FIRST, product_id DESC`, orderBy: []int{1, 0}},
	{name: "nulls_predicates", sql: `SELECT count(*) AS all_rows, count(x) AS non_null, count(DISTINCT x) AS distinct_x,
		sum(CASE WHEN x IS DISTINCT FROM 2 THEN 1 ELSE 0 END) AS distinct_from_2,
		sum(CASE WHEN x IS NOT DISTINCT FROM NULL THEN 1 ELSE 0 END) AS null_count,
		sum(coalesce(x, 100)) AS coalesced, max(x) AS mx, avg(x) AS av
		FROM (SELECT CASE WHEN qty > 4 THEN NULL ELSE qty END AS x FROM shop.sales) t`},
	{name: "nulls_aggregates_empty", sql: `SELECT sum(qty) AS s, max(ts) AS m, count(*) AS n, count(qty) AS nq, string_agg(sale_id::text, ',') AS ids
		FROM shop.sales WHERE qty < 0`},
	{name: "sum_nested", sql: `SELECT store_id, sum(qty) + 1 AS units_plus_one, sum(qty) AS units
		FROM shop.sales GROUP BY store_id`},
	// Numeric precision.
	{name: "numeric_sums", sql: `SELECT category, sum(price) AS total, round(avg(price), 2) AS avg2, min(price) AS lo, max(price) AS hi,
		sum(price * 3) AS triple, round(sum(price) / count(*), 4) AS mean4
		FROM shop.products GROUP BY category`},
	{name: "numeric_division", sql: `SELECT product_id, price, price / 3 AS third, price * 1.075 AS taxed, round(price * 1.075, 2) AS taxed2,
		trunc(price / 7, 3) AS t3, price::int AS whole, ceil(price) AS c, floor(price) AS f
		FROM shop.products`},
	{name: "numeric_group_division", sql: `SELECT category, sum(price) / 3 AS third, sum(price) / count(*) AS mean,
		100.00 * sum(CASE WHEN active THEN price ELSE 0 END) / sum(price) AS active_pct, avg(price) AS a, avg(product_id) AS aid,
		1.0 / 3 AS c FROM shop.products GROUP BY category ORDER BY mean DESC, category`, orderBy: []int{2, 0}},
	{name: "numeric_avg", sql: `SELECT category, avg(price) AS avg_price FROM shop.products GROUP BY category`},
	{name: "integer_division_modulo", sql: `SELECT qty, qty / 2 AS half, qty % 3 AS m3, -qty / 2 AS neg_half, -qty % 3 AS neg_m3,
		div(qty * 7, 3) AS d, mod(qty * 7, 3) AS m, qty::float8 / 4 AS fq, count(*) AS n
		FROM shop.sales GROUP BY qty`},
	{name: "float_amounts", sql: `SELECT store_id, sum(amount) AS total, avg(amount) AS mean, round(sum(amount)::numeric, 2) AS total2,
		max(amount) AS hi, stddev_samp(amount) AS sd
		FROM shop.sales GROUP BY store_id`},
	// Unicode text.
	{name: "unicode_text", sql: `SELECT product_id, upper(name) AS up, lower(category) AS low,
		name || ' · Größe ✓' AS tagged, length(name || 'é😀') AS len, substring(name FROM 3 FOR 6) AS sub,
		upper('café ñandú') AS up2, lower('ÀÉÎÕÜ ΣΑΣ') AS low2, length('日本語テキスト') AS jlen,
		position('a' IN name) AS pos, replace(name, ' ', '_') AS repl
		FROM shop.products`},
	{name: "unicode_like", sql: `SELECT product_id, name FROM shop.products
		WHERE name LIKE '%e%' AND name NOT LIKE 'B%' OR name ILIKE '%PRO%' OR category ILIKE 'électronique' OR 'Ünïcødé' ILIKE 'üNÏcødÉ'`},
	{name: "text_order", sql: `SELECT DISTINCT category FROM shop.products ORDER BY category`, orderBy: []int{0}},
	// Timestamps without and with zone.
	{name: "timestamp_trunc_extract", sql: `SELECT date_trunc('week', ts) AS wk, extract(dow FROM ts) AS dow, extract(hour FROM ts) AS hr,
		count(*) AS n FROM shop.sales WHERE ts >= '2025-12-20' AND ts < timestamp '2025-12-28 18:30:00' GROUP BY 1, 2, 3`},
	{name: "timestamp_epoch_parts", sql: `SELECT sale_id, ts, extract(epoch FROM ts) AS epoch, extract(doy FROM ts) AS doy,
		extract(quarter FROM ts) AS q, date_part('minute', ts) AS mi, ts::date AS d, ts::time AS tm
		FROM shop.sales WHERE ts BETWEEN '2025-07-04 10:00' AND '2025-07-04 11:00'`},
	{name: "timestamptz_at_time_zone", sql: `SELECT sale_id, ts AT TIME ZONE 'UTC' AS utc_tz, ts AT TIME ZONE 'Asia/Tokyo' AS tokyo_tz,
		(ts AT TIME ZONE 'UTC') AT TIME ZONE 'Europe/Berlin' AS berlin_wall,
		(ts AT TIME ZONE 'UTC') > timestamptz '2025-03-09 10:00:00-04' AS after_10_ny
		FROM shop.sales WHERE ts >= '2025-03-09 08:00' AND ts < '2025-03-09 11:00' OR ts >= '2025-11-02 08:00' AND ts < '2025-11-02 11:00'`},
	{name: "timestamptz_compare", sql: `SELECT count(*) AS n FROM shop.sales
		WHERE ts AT TIME ZONE 'UTC' >= timestamptz '2025-11-02 05:00:00+00' AND ts AT TIME ZONE 'UTC' < timestamptz '2025-11-03 00:00:00-05'`},
	{name: "timestamptz_session_zone", sql: `SELECT timestamp '2025-03-09 08:20:00'::timestamptz AS local_tz,
		date_trunc('day', timestamptz '2025-03-09 08:20:00-04') AS day_tz, extract(hour FROM timestamptz '2025-03-09 08:20:00-04') AS hr`},
	{name: "extract_fractions", sql: `SELECT sale_id, extract(second FROM ts) AS sec, extract(milliseconds FROM ts) AS ms,
		extract(microseconds FROM ts) AS us, extract(epoch FROM ts) AS ep, date_part('second', ts) AS dp_sec,
		date_part('epoch', ts) AS dp_ep, date_part('dow', ts) AS dp_dow, extract(isodow FROM ts) AS isodow,
		extract(week FROM ts) AS wk, extract(century FROM ts) AS cen, extract(epoch FROM ts - timestamp '2025-01-01') AS ep_iv
		FROM shop.sales WHERE ts >= '2025-08-15' AND ts < '2025-08-15 12:00'`},
	{name: "to_char_padding", sql: `SELECT store_id, to_char(opened, 'Month') AS mon_pad, to_char(opened, 'FMMonth FMDD, YYYY') AS mon_fm,
		to_char(opened, 'DAY Dy MON') AS days, to_char(opened::timestamp + interval '13 hours 5 minutes', 'HH12:MI AM "at" HH24') AS clock
		FROM shop.stores`},
	{name: "to_char", sql: `SELECT sale_id, to_char(ts, 'YYYY-MM-DD HH24:MI:SS') AS t1, to_char(ts, 'Dy DD Mon YYYY') AS t2
		FROM shop.sales WHERE ts >= '2025-12-31 20:00'`},
	// Date arithmetic.
	{name: "date_arithmetic", sql: `SELECT store_id, opened, opened + 7 AS plus7, opened - 30 AS minus30,
		date '2026-01-01' - opened AS days_open, opened + interval '1 month' AS plus_month,
		opened + interval '1 day 2 hours' AS plus_dh, (opened - interval '1 year')::date AS minus_year
		FROM shop.stores`},
	{name: "date_age", sql: `SELECT store_id, age(timestamp '2026-01-01', opened) AS age_at_2026,
		age(opened) > interval '1 year' AS old, make_date(2025, 2, 28) + 1 AS leap_check, date_trunc('month', opened::timestamp) AS m
		FROM shop.stores`},
	{name: "justify", sql: `SELECT store_id, justify_days(interval '65 days' + store_id * interval '1 day') AS jd,
		justify_hours(interval '50 hours 10 minutes 3.5 seconds' + store_id * interval '7 hours') AS jh,
		justify_days(-store_id * interval '13 days') AS neg FROM shop.stores`},
	{name: "date_trunc_date", sql: `SELECT date_trunc('month', date '2024-03-15') AS m, date_trunc('week', opened) AS wk,
		date_trunc('year', opened) AS yr FROM shop.stores`},
	{name: "upper_sharp_s", sql: `SELECT upper('straße') AS up, upper('GROẞ') AS cap, lower('STRAẞE') AS low,
		upper(city || ' ß') AS c FROM shop.stores`},
	{name: "interval_arithmetic", sql: `SELECT product_id, max(ts) - min(ts) AS span, max(day_n) - min(day_n) AS day_span
		FROM (SELECT product_id, ts, ts::date AS day_n FROM shop.sales WHERE store_id = 4) s GROUP BY product_id`},
	// CASE, DISTINCT ON, LIMIT/OFFSET.
	{name: "case_buckets", sql: `SELECT CASE WHEN qty >= 5 THEN 'bulk' WHEN qty >= 2 THEN 'multi' ELSE 'single' END AS bucket,
		CASE store_id % 3 WHEN 0 THEN 'a' WHEN 1 THEN 'b' END AS grp, count(*) AS n
		FROM shop.sales GROUP BY 1, 2`},
	{name: "distinct_on", sql: `SELECT DISTINCT ON (store_id) store_id, sale_id, amount
		FROM shop.sales ORDER BY store_id, amount DESC, sale_id`, orderBy: []int{0}},
	{name: "limit_offset", sql: `SELECT sale_id, amount FROM shop.sales ORDER BY amount DESC, sale_id LIMIT 15 OFFSET 40`,
		orderBy: []int{1, 0}},
	{name: "div_mod_negative", sql: `SELECT store_id, div(-store_id * 7, 4) AS d, mod(-store_id * 7, 4) AS m, (-store_id * 7) / 4 AS q,
		(-store_id * 7) % 4 AS r, div(opened - date '2020-01-01', 7) AS weeks
		FROM shop.stores`},
	// Ordered aggregates and FILTER.
	{name: "string_agg_array_agg", sql: `SELECT category, string_agg(name, ', ' ORDER BY name DESC) AS names,
		array_agg(product_id ORDER BY product_id) AS ids, array_agg(DISTINCT active ORDER BY active) AS flags,
		cardinality(array_agg(product_id)) AS card, array_length(array_agg(name), 1) AS alen
		FROM shop.products GROUP BY category`},
	{name: "filter_clause", sql: `SELECT store_id, count(*) FILTER (WHERE qty > 3) AS big, sum(amount) FILTER (WHERE extract(month FROM ts) = 12) AS december,
		count(DISTINCT product_id) FILTER (WHERE qty = 1) AS singles, bool_and(qty > 0) AS all_pos
		FROM shop.sales GROUP BY store_id`},
	// Session time zones: timestamptz computed in the session's TimeZone (with
	// DST gaps and overlaps, half-hour and fixed offsets), as PostgreSQL does.
	// The sales lie between 08:00 and 22:00: shifted by some hours they cross the
	// DST changes of New York (2025-03-09 07:00 UTC, 2025-11-02 06:00 UTC).
	{name: "zone_ny_casts", zone: "America/New_York", sql: `SELECT sale_id, w::timestamptz AS as_local, u::timestamp AS wall,
		u::date AS day, u::time AS tod, u::text AS txt, w::date::timestamptz AS midnight, extract(epoch FROM w::timestamptz) AS ep
		FROM (SELECT sale_id, ts - interval '6 hours 30 minutes' AS w, (ts - interval '3 hours') AT TIME ZONE 'UTC' AS u FROM shop.sales
			WHERE ts >= '2025-03-09 08:00' AND ts < '2025-03-09 12:00' OR ts >= '2025-11-02 08:00' AND ts < '2025-11-02 12:00') s`},
	{name: "zone_ny_trunc_extract", zone: "America/New_York", sql: `SELECT date_trunc('day', u) AS d, date_trunc('hour', u) AS h,
		extract(hour FROM u) AS hr, extract(dow FROM u) AS dow, date_part('day', u) AS dd, to_char(u, 'YYYY-MM-DD HH24:MI') AS tc,
		date_trunc('month', u) AS mo, count(*) AS n
		FROM (SELECT (ts - interval '3 hours') AT TIME ZONE 'UTC' AS u FROM shop.sales
			WHERE ts >= '2025-03-09 08:00' AND ts < '2025-03-09 12:00' OR ts >= '2025-11-02 08:00' AND ts < '2025-11-02 12:00') s
		GROUP BY 1, 2, 3, 4, 5, 6, 7`},
	{name: "zone_ny_interval", zone: "America/New_York", sql: `SELECT sale_id, u + interval '1 day' AS plus_day, u + interval '24 hours' AS plus_24h,
		u - interval '1 month' AS minus_month, interval '1 month 1 day 1 hour' + u AS plus_mdh, u - interval '1 day' AS minus_day
		FROM (SELECT sale_id, (ts - interval '3 hours') AT TIME ZONE 'UTC' AS u FROM shop.sales
			WHERE ts >= '2025-03-08 08:00' AND ts < '2025-03-08 12:00' OR ts >= '2025-11-01 08:00' AND ts < '2025-11-02 12:00') s`},
	{name: "zone_ny_compare", zone: "America/New_York", sql: `SELECT count(*) AS n,
		count(*) FILTER (WHERE u < '2025-03-09 03:00') AS before_3_local,
		count(*) FILTER (WHERE u >= date '2025-03-09') AS since_day,
		count(*) FILTER (WHERE u BETWEEN timestamp '2025-03-09 01:00' AND '2025-03-09 04:00') AS btw,
		count(*) FILTER (WHERE w::timestamptz = u) AS same
		FROM (SELECT ts - interval '6 hours 30 minutes' AS w, (ts - interval '3 hours') AT TIME ZONE 'UTC' AS u FROM shop.sales
			WHERE ts >= '2025-03-08' AND ts < '2025-03-11') s`},
	{name: "zone_ny_age_text", zone: "America/New_York", sql: `SELECT sale_id, age(u, timestamptz '2025-03-08 00:00') AS ag,
		u::text AS t, 'at ' || u AS c, u - timestamptz '2025-03-08 00:00' AS diff
		FROM (SELECT sale_id, (ts - interval '3 hours') AT TIME ZONE 'UTC' AS u FROM shop.sales
			WHERE ts >= '2025-03-09 08:00' AND ts < '2025-03-09 12:00') s`},
	{name: "zone_kolkata", zone: "Asia/Kolkata", sql: `SELECT (ts AT TIME ZONE 'UTC')::date AS local_day, date_trunc('hour', ts AT TIME ZONE 'UTC') AS h,
		extract(minute FROM date_trunc('hour', ts AT TIME ZONE 'UTC')) AS mi, min(ts::timestamptz) AS first_local, count(*) AS n
		FROM shop.sales WHERE ts >= '2025-06-01 17:00' AND ts < '2025-06-02 08:00' GROUP BY 1, 2`},
	{name: "zone_posix_offset", zone: "UTC+3", sql: `SELECT sale_id, ts::timestamptz AS l, date_trunc('day', u) AS d,
		extract(hour FROM u) AS hr, u + interval '1 month' AS m, u::date AS dd
		FROM (SELECT sale_id, ts, (ts + interval '6 hours') AT TIME ZONE 'UTC' AS u FROM shop.sales
			WHERE ts >= '2025-01-31 18:00' AND ts < '2025-02-01 06:00') s`},
	{name: "zone_half_hour_offset", zone: "+05:30", sql: `SELECT sale_id, ts::timestamptz AS l, date_trunc('hour', ts AT TIME ZONE 'UTC') AS h,
		date_trunc('day', ts AT TIME ZONE 'UTC') AS d, to_char(ts AT TIME ZONE 'UTC', 'HH24:MI') AS hm, (ts AT TIME ZONE 'UTC') - interval '1 month' AS m
		FROM shop.sales WHERE ts >= '2025-03-31 00:00' AND ts < '2025-03-31 12:00'`},
	{name: "zone_berlin_weeks", zone: "Europe/Berlin", sql: `SELECT date_trunc('week', ts::timestamptz) AS wk, date_trunc('month', ts::timestamptz) AS mo,
		date_trunc('day', date '2025-03-30') AS dst_day, count(*) AS n
		FROM shop.sales WHERE ts >= '2025-03-20' AND ts < '2025-04-10' GROUP BY 1, 2`},
	{name: "zone_current_date", zone: "Pacific/Pago_Pago", sql: `SELECT current_date - (now() AT TIME ZONE 'UTC')::date AS shift,
		localtimestamp = now() AT TIME ZONE 'Pacific/Pago_Pago' AS same_local, current_date = (now() AT TIME ZONE 'Pacific/Pago_Pago')::date AS same_day`},
	{name: "generate_series_timestamptz", zone: "America/New_York", sql: `SELECT g, count(s.sale_id) AS n
		FROM generate_series(timestamptz '2025-03-07 00:00', timestamptz '2025-03-11 00:00', interval '1 day') g
		LEFT JOIN (SELECT * FROM shop.sales WHERE ts >= '2025-03-06' AND ts < '2025-03-13') s ON s.ts::timestamptz >= g AND s.ts::timestamptz < g + interval '1 day'
		GROUP BY g UNION ALL SELECT m, 0 FROM generate_series(timestamptz '2025-01-31 00:00', '2025-12-31', interval '1 month') m`},
	// Exact quotients per row, and quotients in further arithmetic, with
	// PostgreSQL's scale for each value.
	{name: "numeric_row_division", sql: `SELECT product_id, price / 7 AS q, price / 3 * 2 AS r, (price + 1) / product_id AS s,
		product_id / price AS inv, 1 - price / 1000 AS off, price * 1.5 / 4 AS f
		FROM shop.products WHERE price > 0 ORDER BY price / 7 DESC, product_id LIMIT 25`, orderBy: []int{1, 0}},
	{name: "quotient_in_arithmetic", sql: `SELECT category, avg(price) * 2 AS x, avg(price) + 1 AS y, 100 - avg(price) AS z,
		sum(price) / count(*) * avg(price) AS w, avg(price) * 1.5 AS v, avg(product_id) - avg(price) AS d,
		-avg(price) AS neg FROM shop.products GROUP BY category`},
	{name: "row_quotient_grouped", sql: `SELECT category, price / 3 AS third, avg(price) * price AS ap, count(*) AS n
		FROM shop.products GROUP BY category, price`},
	// A quotient per row the statement groups by: groups as DuckDB divides, each
	// showing its exact quotient.
	{name: "row_quotient_grouped_expr", sql: `SELECT price / 4 AS quarter, count(*) AS n
		FROM shop.products GROUP BY price / 4`},
	{name: "row_quotient_grouped_ordinal", sql: `SELECT category, price / 3 AS third, count(*) AS n, sum(price) / 3 AS s
		FROM shop.products GROUP BY 1, 2 ORDER BY 2 DESC, 1 LIMIT 30`, orderBy: []int{1, 0}},
	// A quotient per row passed through a FROM subquery or a CTE unchanged.
	{name: "row_quotient_subquery", sql: `SELECT product_id, q
		FROM (SELECT product_id, price / 7 AS q FROM shop.products) s WHERE product_id <= 40`},
	{name: "row_quotient_star", sql: `SELECT * FROM (SELECT product_id, price / 6 AS sixth, price FROM shop.products WHERE category = 'Toys') s
		ORDER BY sixth DESC, product_id`, orderBy: []int{1, 0}},
	{name: "row_quotient_cte_ordered", sql: `WITH c AS (SELECT product_id, category, price / 3 AS third FROM shop.products WHERE active)
		SELECT t.third, t.product_id, st.city FROM (SELECT third, product_id FROM c) t JOIN shop.stores st ON st.store_id = t.product_id % 5 + 1
		ORDER BY t.third DESC, t.product_id LIMIT 20`, orderBy: []int{0, 1}},
	// Quotients inside round, CASE, COALESCE and DISTINCT.
	{name: "row_quotient_wrapped", sql: `SELECT product_id, round(price / 7) AS r, round(price / 7, 3) AS r3, trunc(price / 3) AS t,
		CASE WHEN active THEN price / 7 ELSE 0 END AS c, CASE WHEN product_id % 3 = 0 THEN price / 3 WHEN product_id % 3 = 1 THEN price END AS c2,
		coalesce(CASE WHEN active THEN price / 4 END, price, 0) AS co, coalesce(price / nullif(product_id % 4, 0), -1) AS co2
		FROM shop.products WHERE product_id <= 80`},
	{name: "scalar_subquery_quotient", sql: `SELECT category, avg(price) AS a, (SELECT avg(price) FROM shop.products) AS overall,
		(SELECT max(q.price) / 3 FROM shop.products q WHERE q.category = p.category) AS top_third
		FROM shop.products p GROUP BY category ORDER BY top_third, category`, orderBy: []int{3, 0}},
	{name: "union_all_quotients", sql: `SELECT category, avg(price) AS a, count(*) AS n FROM shop.products GROUP BY category
		UNION ALL SELECT 'all', avg(price), count(*) FROM shop.products UNION ALL SELECT 'none', NULL, 0
		UNION ALL SELECT 'fixed', 2.50, 1`},
	{name: "quotient_text", sql: `SELECT product_id, (price / 7)::text AS t, price / 3 || ' each' AS e FROM shop.products WHERE (price / 4)::varchar LIKE '%5%'`},
	{name: "group_quotient_wrapped", sql: `SELECT category, round(avg(price)) AS r, CASE WHEN count(*) > 3 THEN sum(price) / 3 ELSE 0 END AS c,
		coalesce(avg(CASE WHEN active THEN product_id END), 0) AS co FROM shop.products GROUP BY category`},
	{name: "row_quotient_distinct", sql: `SELECT DISTINCT price / 4 AS q, active FROM shop.products ORDER BY q DESC, active`,
		orderBy: []int{0, 1}},
	{name: "sum_int_opaque", sql: `SELECT sum(x) AS s, sum(x) + 1 AS s1, sum(g) * 2 AS g2, sum(o) + 1 AS o1
		FROM unnest(ARRAY[1, 2, 3]) x, generate_series(1, 4) WITH ORDINALITY AS t(g, o)`},
	{name: "sum_int_expressions", sql: `SELECT store_id, sum(qty) * 2 AS dbl, sum(qty) - count(*) AS extra,
		coalesce(sum(qty) FILTER (WHERE qty > 5), 0) AS big, sum(sum(qty)) OVER () AS all_units, sum(product_id) + 0 AS pid_sum
		FROM shop.sales GROUP BY store_id`},
	// A quotient in a predicate or a subquery is DuckDB's double (only the outermost
	// SELECT's columns divide exactly); the comparison decides the same rows.
	{name: "quotient_in_subquery", sql: `SELECT count(*) AS n FROM shop.products p
		WHERE price > (SELECT avg(price) FROM shop.products q WHERE q.category = p.category)
		AND price * 3 > (SELECT sum(price) / 3 FROM shop.products r WHERE r.category = p.category)`},
}

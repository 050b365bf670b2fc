// LakeCheck is the pgjdbc client of lakegate's integration tests (integration/jdbc_test.go):
// it connects with several prepareThreshold / preferQueryMode settings, runs typed
// PreparedStatements, a fetchSize cursor in a transaction and DatabaseMetaData calls,
// and prints each result as key=value (or key.error=SQLSTATE: message) for the Go test
// to compare with values computed from demolake's generators.
//
// Usage: java -Duser.timezone=UTC -cp postgresql.jar:DIR LakeCheck PORT SALE_ID
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.Date;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

public class LakeCheck {
    interface Check {
        String run() throws Exception;
    }

    static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");

    static String oneLine(String s) {
        return s == null ? "" : s.replace('\n', ' ').replace('\r', ' ');
    }

    static void check(String key, Check c) {
        try {
            System.out.println(key + "=" + c.run());
        } catch (SQLException e) {
            System.out.println(key + ".error=" + e.getSQLState() + ": " + oneLine(e.getMessage()));
        } catch (Exception e) {
            System.out.println(key + ".error=" + e.getClass().getSimpleName() + ": " + oneLine(e.getMessage()));
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: LakeCheck PORT SALE_ID");
            System.exit(2);
        }
        String base = "jdbc:postgresql://127.0.0.1:" + args[0]
                + "/lake?user=gw&password=gw&sslmode=disable&connectTimeout=10&socketTimeout=120";
        long saleId = Long.parseLong(args[1]);
        String[][] modes = {
            {"pt0", "prepareThreshold=0"},
            {"pt1", "prepareThreshold=1"},
            {"pt5", "prepareThreshold=5"},
            {"ptm1", "prepareThreshold=-1"},
            {"simple", "preferQueryMode=simple"},
        };
        for (String[] m : modes) {
            try (Connection c = DriverManager.getConnection(base + "&" + m[1])) {
                modeChecks(m[0], c, saleId);
            } catch (SQLException e) {
                System.out.println(m[0] + ".connect.error=" + e.getSQLState() + ": " + oneLine(e.getMessage()));
            }
        }
        try (Connection c = DriverManager.getConnection(base)) {
            metaChecks(c);
        } catch (SQLException e) {
            System.out.println("meta.connect.error=" + e.getSQLState() + ": " + oneLine(e.getMessage()));
        }
    }

    static void modeChecks(String m, Connection c, long saleId) {
        // RowDescription's table OID and column number let pgjdbc name each column's
        // source table and nullability: plain columns have one, expressions none.
        check(m + ".rsmd.source", () -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "select sale_id, s.product_id as p, qty * 2 as q2 from shop.sales s where sale_id = ?")) {
                ps.setLong(1, saleId);
                try (ResultSet rs = ps.executeQuery()) {
                    org.postgresql.PGResultSetMetaData pmd = rs.getMetaData().unwrap(org.postgresql.PGResultSetMetaData.class);
                    java.sql.ResultSetMetaData md = rs.getMetaData();
                    List<String> out = new ArrayList<>();
                    for (int i = 1; i <= md.getColumnCount(); i++) {
                        out.add(md.getTableName(i) + ":" + pmd.getBaseSchemaName(i) + ":" + pmd.getBaseColumnName(i)
                                + ":" + md.isNullable(i));
                    }
                    return String.join(",", out);
                }
            }
        });
        check(m + ".count", () -> {
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("select count(*) from shop.sales")) {
                rs.next();
                return Long.toString(rs.getLong(1));
            }
        });

        // One PreparedStatement executed six times: crosses prepareThreshold=5.
        try (PreparedStatement ps = c.prepareStatement(
                "select count(*), sum(units), sum(round(revenue*100))::bigint from shop.product_kpis"
                        + " where product_id = ? and day >= ? and day < ?")) {
            for (long pid = 1; pid <= 6; pid++) {
                final long p = pid;
                check(m + ".point." + pid, () -> {
                    ps.setLong(1, p);
                    ps.setDate(2, Date.valueOf("2025-02-01"));
                    ps.setDate(3, Date.valueOf("2025-03-01"));
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        return rs.getLong(1) + "," + rs.getLong(2) + "," + rs.getLong(3);
                    }
                });
            }
        } catch (SQLException e) {
            System.out.println(m + ".point.error=" + e.getSQLState() + ": " + oneLine(e.getMessage()));
        }

        check(m + ".store", () -> {
            try (PreparedStatement ps = c.prepareStatement("select count(*) from shop.sales where store_id = ?")) {
                ps.setInt(1, 5);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return Long.toString(rs.getLong(1));
                }
            }
        });

        check(m + ".category", () -> {
            try (PreparedStatement ps = c.prepareStatement("select count(*) from shop.products where category = ?")) {
                ps.setString(1, "Toys");
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return Long.toString(rs.getLong(1));
                }
            }
        });

        check(m + ".tsrange", () -> {
            try (PreparedStatement ps = c.prepareStatement("select count(*) from shop.sales where ts >= ? and ts < ?")) {
                ps.setTimestamp(1, Timestamp.valueOf(LocalDateTime.of(2025, 3, 1, 0, 0)));
                ps.setTimestamp(2, Timestamp.valueOf(LocalDateTime.of(2025, 4, 1, 0, 0)));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return Long.toString(rs.getLong(1));
                }
            }
        });

        // fetchSize in a transaction: pgjdbc executes with a row limit and the
        // portal is suspended and resumed every 100 rows.
        check(m + ".fetch", () -> {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.setFetchSize(100);
                long rows = 0, qty = 0, first = -1, last = -1;
                try (ResultSet rs = st.executeQuery("select sale_id, qty from shop.sales where store_id = 1 order by sale_id")) {
                    while (rs.next()) {
                        long id = rs.getLong(1);
                        if (first < 0) {
                            first = id;
                        }
                        last = id;
                        qty += rs.getInt(2);
                        rows++;
                    }
                }
                c.commit();
                return rows + "," + qty + "," + first + "," + last;
            } finally {
                try {
                    c.setAutoCommit(true);
                } catch (SQLException e) {
                    // reported by the next check
                }
            }
        });

        check(m + ".product", () -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "select product_id, name, category, price, active from shop.products where product_id = ?")) {
                ps.setLong(1, 3);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    BigDecimal price = rs.getBigDecimal(4);
                    return rs.getLong(1) + "|" + rs.getString(2) + "|" + rs.getString(3) + "|"
                            + price.toPlainString() + "|" + rs.getBoolean(5);
                }
            }
        });

        check(m + ".storerow", () -> {
            try (PreparedStatement ps = c.prepareStatement("select store_id, city, opened from shop.stores where store_id = ?")) {
                ps.setInt(1, 2);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1) + "|" + rs.getString(2) + "|" + rs.getDate(3);
                }
            }
        });

        check(m + ".sale", () -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "select sale_id, product_id, store_id, ts, qty, amount from shop.sales where sale_id = ?")) {
                ps.setLong(1, saleId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1) + "|" + rs.getLong(2) + "|" + rs.getInt(3) + "|"
                            + rs.getTimestamp(4).toLocalDateTime().format(TS) + "|" + rs.getInt(5) + "|"
                            + rs.getDouble(6);
                }
            }
        });

        check(m + ".kpi", () -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "select day, revenue, units, forecast, price_reco from shop.product_kpis where product_id = ? and day = ?")) {
                ps.setLong(1, 3);
                ps.setDate(2, Date.valueOf("2025-06-15"));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getDate(1) + "|" + rs.getDouble(2) + "|" + rs.getLong(3) + "|"
                            + rs.getDouble(4) + "|" + rs.getBigDecimal(5).toPlainString();
                }
            }
        });
    }

    static void metaChecks(Connection c) {
        check("meta.tables", () -> {
            DatabaseMetaData md = c.getMetaData();
            List<String> out = new ArrayList<>();
            try (ResultSet rs = md.getTables(null, "shop", "%", new String[] {"TABLE"})) {
                while (rs.next()) {
                    out.add(rs.getString("TABLE_SCHEM") + "." + rs.getString("TABLE_NAME") + ":" + rs.getString("TABLE_TYPE"));
                }
            }
            Collections.sort(out);
            return String.join(",", out);
        });
        check("meta.columns", () -> {
            DatabaseMetaData md = c.getMetaData();
            List<String> out = new ArrayList<>();
            try (ResultSet rs = md.getColumns(null, "shop", "sales", null)) {
                while (rs.next()) {
                    out.add(rs.getString("COLUMN_NAME") + ":" + rs.getString("TYPE_NAME") + ":" + rs.getInt("DATA_TYPE"));
                }
            }
            return String.join(",", out);
        });
        check("meta.relations", () -> {
            List<String> out = new ArrayList<>();
            try (ResultSet rs = c.getMetaData().getTables(null, "shop", "%", null)) {
                while (rs.next()) {
                    out.add(rs.getString("TABLE_NAME") + ":" + rs.getString("TABLE_TYPE"));
                }
            }
            Collections.sort(out);
            return String.join(",", out);
        });
        check("meta.catalogs", () -> {
            List<String> out = new ArrayList<>();
            try (ResultSet rs = c.getMetaData().getCatalogs()) {
                while (rs.next()) {
                    out.add(rs.getString("TABLE_CAT"));
                }
            }
            return String.join(",", out);
        });
        check("meta.schemas", () -> {
            List<String> out = new ArrayList<>();
            try (ResultSet rs = c.getMetaData().getSchemas()) {
                while (rs.next()) {
                    out.add(rs.getString("TABLE_SCHEM"));
                }
            }
            return String.join(",", out);
        });
        for (String t : new String[] {"products", "stores", "sales", "product_kpis"}) {
            check("meta.pk." + t, () -> {
                List<String> out = new ArrayList<>();
                try (ResultSet rs = c.getMetaData().getPrimaryKeys(null, "shop", t)) {
                    while (rs.next()) {
                        out.add(rs.getString("COLUMN_NAME") + ":" + rs.getInt("KEY_SEQ") + ":" + rs.getString("PK_NAME"));
                    }
                }
                return String.join(",", out);
            });
            check("meta.index." + t, () -> {
                List<String> out = new ArrayList<>();
                try (ResultSet rs = c.getMetaData().getIndexInfo(null, "shop", t, false, false)) {
                    while (rs.next()) {
                        out.add(rs.getString("INDEX_NAME") + ":" + rs.getBoolean("NON_UNIQUE") + ":"
                                + rs.getInt("ORDINAL_POSITION") + ":" + rs.getString("COLUMN_NAME"));
                    }
                }
                return String.join(",", out);
            });
            check("meta.remarks." + t, () -> {
                List<String> out = new ArrayList<>();
                try (ResultSet rs = c.getMetaData().getTables(null, "shop", t, null)) {
                    while (rs.next()) {
                        out.add(rs.getString("REMARKS"));
                    }
                }
                try (ResultSet rs = c.getMetaData().getColumns(null, "shop", t, "%")) {
                    while (rs.next()) {
                        out.add(rs.getString("COLUMN_NAME") + ":" + rs.getString("REMARKS") + ":" + rs.getInt("NULLABLE"));
                    }
                }
                return String.join("|", out);
            });
            check("meta.rsmd." + t, () -> {
                List<String> out = new ArrayList<>();
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT * FROM shop." + t + " LIMIT 1")) {
                    java.sql.ResultSetMetaData md = rs.getMetaData();
                    for (int i = 1; i <= md.getColumnCount(); i++) {
                        String col = md.getColumnLabel(i) + ":" + md.getColumnTypeName(i) + ":" + md.getColumnType(i);
                        if (md.getColumnType(i) == java.sql.Types.NUMERIC) {
                            col += ":" + md.getPrecision(i) + ":" + md.getScale(i);
                        }
                        out.add(col);
                    }
                }
                return String.join(",", out);
            });
        }
        check("meta.typeinfo", () -> {
            List<String> out = new ArrayList<>();
            try (ResultSet rs = c.getMetaData().getTypeInfo()) {
                while (rs.next()) {
                    String n = rs.getString("TYPE_NAME");
                    if (n.equals("int8") || n.equals("int4") || n.equals("text") || n.equals("numeric") || n.equals("bool")
                            || n.equals("date") || n.equals("timestamp") || n.equals("float8")) {
                        out.add(n + ":" + rs.getInt("DATA_TYPE"));
                    }
                }
            }
            Collections.sort(out);
            return String.join(",", out);
        });
        check("meta.functions", () -> {
            List<String> out = new ArrayList<>();
            try (ResultSet rs = c.getMetaData().getFunctions(null, "pg_catalog", "version")) {
                while (rs.next()) {
                    out.add(rs.getString("FUNCTION_SCHEM") + "." + rs.getString("FUNCTION_NAME"));
                }
            }
            return String.join(",", out);
        });
    }
}

// TlsCheck is the pgjdbc client of integration/tls_test.go: it logs in over TLS with
// sslmode=verify-full against the test CA as several users (SCRAM, md5, cleartext
// password rules), and tries a wrong CA and a plaintext login, printing key=value
// (or key.error=SQLSTATE: message) for the Go test to compare.
//
// Usage: java -cp postgresql.jar:DIR TlsCheck HOST PORT CA_FILE WRONG_CA_FILE
//        user:password ...
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

public class TlsCheck {
    static String oneLine(String s) {
        return s == null ? "" : s.replace('\n', ' ').replace('\r', ' ');
    }

    static String count(String url, String user, String password) throws SQLException {
        try (Connection c = DriverManager.getConnection(url + "&user=" + user + "&password=" + password);
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select count(*) from shop.sales")) {
            rs.next();
            return Long.toString(rs.getLong(1));
        }
    }

    static void check(String key, String url, String user, String password) {
        try {
            System.out.println(key + "=" + count(url, user, password));
        } catch (SQLException e) {
            String state = e.getSQLState() == null ? "" : e.getSQLState();
            StringBuilder msg = new StringBuilder(oneLine(e.getMessage()));
            for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
                msg.append(" <- ").append(oneLine(c.toString()));
            }
            System.out.println(key + ".error=" + state + ": " + msg);
        }
    }

    public static void main(String[] args) {
        String host = args[0], port = args[1], ca = args[2], wrongCA = args[3];
        String base = "jdbc:postgresql://" + host + ":" + port + "/lake?connectTimeout=10";
        String verify = base + "&ssl=true&sslmode=verify-full&sslrootcert=" + ca;
        for (int i = 4; i < args.length; i++) {
            String[] up = args[i].split(":", 2);
            check("verify-full." + up[0], verify, up[0], up[1]);
        }
        String[] first = args[4].split(":", 2);
        check("wrong-ca", base + "&ssl=true&sslmode=verify-full&sslrootcert=" + wrongCA, first[0], first[1]);
        check("plaintext", base + "&sslmode=disable", first[0], first[1]);
        check("wrong-password", verify, first[0], first[1] + "x");
    }
}

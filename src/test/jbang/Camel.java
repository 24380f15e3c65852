import org.apache.camel.dsl.jbang.core.commands.CamelJBangMain;

/**
 * The {@code camel} command of Camel JBang without the jbang launcher: JBangSmokeIT runs this file in Java's
 * source-file mode ({@code java -cp <camel-jbang-core classpath> src/test/jbang/Camel.java run ...}).
 * CamelJBangMain.run ends the JVM with the command's exit code.
 */
public class Camel {

    public static void main(String... args) {
        CamelJBangMain.run(args);
    }
}

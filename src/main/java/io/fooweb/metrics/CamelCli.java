package io.fooweb.metrics;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import org.apache.camel.spi.CliConnectorFactory;

/**
 * camel-cli-connector, on or off by {@code fooweb.cli.enabled}. Camel finds the connector on the classpath and starts
 * it when the context initializes, before any bean of application.properties is bound, so only its factory, which the
 * context holds by then, can be told.
 */
@Configuration
public class CamelCli implements CamelConfiguration {

    @Override
    public void configure(CamelContext context) {
        CliConnectorFactory connector = context.getCamelContextExtension().getContextPlugin(CliConnectorFactory.class);
        if (connector != null) {
            connector.setEnabled(Boolean.parseBoolean(context.getPropertiesComponent().resolveProperty("fooweb.cli.enabled").orElse("false")));
        }
    }
}

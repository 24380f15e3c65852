package io.fooweb.patch.jnats;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.security.SecureRandom;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * An SSLContext whose client connections also check that the server's certificate names the host they connect to
 * (the HTTPS rules: a DNS name or IP address in subjectAltName). jnats 2.24.1 only checks that the certificate chains
 * up to a trusted CA, so without this any certificate of that CA, a client's included, could pose as the server.
 */
public final class HostnameCheckingSslContext {

    private HostnameCheckingSslContext() {
    }

    public static SSLContext wrap(SSLContext context) {
        return new SSLContext(new Spi(context), context.getProvider(), context.getProtocol()) { };
    }

    private static <T> T checkingHostname(T connection) {
        SSLParameters parameters;
        if (connection instanceof SSLSocket socket) {
            parameters = socket.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(parameters);
        } else if (connection instanceof SSLEngine engine) {
            parameters = engine.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            engine.setSSLParameters(parameters);
        }
        return connection;
    }

    private static final class Spi extends SSLContextSpi {

        private final SSLContext context;

        Spi(SSLContext context) {
            this.context = context;
        }

        @Override
        protected void engineInit(KeyManager[] keyManagers, TrustManager[] trustManagers, SecureRandom random) {
            throw new UnsupportedOperationException("the wrapped SSLContext is initialised already");
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            return new SocketFactory(context.getSocketFactory());
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            return context.getServerSocketFactory();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            return checkingHostname(context.createSSLEngine());
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            return checkingHostname(context.createSSLEngine(host, port));
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            return context.getServerSessionContext();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            return context.getClientSessionContext();
        }
    }

    private static final class SocketFactory extends SSLSocketFactory {

        private final SSLSocketFactory factory;

        SocketFactory(SSLSocketFactory factory) {
            this.factory = factory;
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return factory.getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return factory.getSupportedCipherSuites();
        }

        @Override
        public Socket createSocket(Socket socket, String host, int port, boolean autoClose) throws IOException {
            return checkingHostname(factory.createSocket(socket, host, port, autoClose));
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return checkingHostname(factory.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return checkingHostname(factory.createSocket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return checkingHostname(factory.createSocket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
            return checkingHostname(factory.createSocket(address, port, localAddress, localPort));
        }
    }
}

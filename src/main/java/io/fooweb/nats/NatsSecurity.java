package io.fooweb.nats;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

import io.fooweb.patch.jnats.HostnameCheckingSslContext;
import io.nats.client.Nats;
import io.nats.client.Options;

/**
 * How the NATS connection proves who it is and whom it trusts: the {@code fooweb.nats.*} security settings. An empty
 * setting is not used, so with none set the connection is anonymous and plain, as without this class.
 * <ul>
 * <li>Authentication, at most one of: a token; a user and password; a credentials ({@code .creds}) file.</li>
 * <li>TLS: a truststore with the CA that signed the servers' certificates (a PEM file, or a PKCS12/JKS store), and for
 * mutual TLS a keystore with the client's certificate and key (PKCS12/JKS). Either one turns TLS on. A {@code tls://}
 * server URL with neither uses the JVM's default trust (jnats does that by itself).</li>
 * </ul>
 * Secrets stay out of logs: {@link #toString()} names the mechanisms and files but no secret, and the secrets' property
 * names end in words Camel masks in its startup summary ({@code token}, {@code password}, {@code truststore-password},
 * {@code keystore-password}). Server URLs, which are logged, may not carry credentials: see
 * {@link NatsOptions#serverUrls(String)}.
 */
public record NatsSecurity(String token, String user, String password, String creds,
        String truststore, String truststorePassword, String keystore, String keystorePassword) {

    /** No authentication, no TLS. */
    public static final NatsSecurity NONE = new NatsSecurity("", "", "", "", "", "", "", "");

    /** Refuses settings that cannot work, at startup, naming the setting (never its value). */
    public NatsSecurity {
        token = emptyIfBlank(token);
        user = emptyIfBlank(user);
        password = emptyIfBlank(password);
        creds = emptyIfBlank(creds);
        truststore = emptyIfBlank(truststore);
        truststorePassword = emptyIfBlank(truststorePassword);
        keystore = emptyIfBlank(keystore);
        keystorePassword = emptyIfBlank(keystorePassword);
        int mechanisms = (token.isEmpty() ? 0 : 1) + (user.isEmpty() ? 0 : 1) + (creds.isEmpty() ? 0 : 1);
        if (mechanisms > 1) {
            throw new IllegalArgumentException("Set only one of fooweb.nats.token, fooweb.nats.user (with fooweb.nats.password)"
                    + " and fooweb.nats.creds");
        }
        if (user.isEmpty() != password.isEmpty()) {
            throw new IllegalArgumentException("fooweb.nats.user and fooweb.nats.password are set together or not at all");
        }
        requireReadable("fooweb.nats.creds", creds);
        requireReadable("fooweb.nats.tls.truststore", truststore);
        requireReadable("fooweb.nats.tls.keystore", keystore);
    }

    /** Adds the authentication and TLS settings to jnats' options. */
    Options.Builder applyTo(Options.Builder options) {
        if (!token.isEmpty()) {
            options.token(token.toCharArray());
        }
        if (!user.isEmpty()) {
            options.userInfo(user.toCharArray(), password.toCharArray());
        }
        if (!creds.isEmpty()) {
            options.authHandler(Nats.credentials(creds));
        }
        if (!truststore.isEmpty() || !keystore.isEmpty()) {
            options.sslContext(sslContext());
        }
        return options;
    }

    private SSLContext sslContext() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers(), trustManagers(), null);
            return HostnameCheckingSslContext.wrap(context);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("Cannot set up TLS for NATS: " + e.getMessage(), e);
        }
    }

    /** The client certificate for mutual TLS; null (none) without a keystore. */
    private KeyManager[] keyManagers() throws GeneralSecurityException {
        if (keystore.isEmpty()) {
            return null;
        }
        KeyStore store = load("fooweb.nats.tls.keystore", keystore, keystorePassword);
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(store, keystorePassword.toCharArray());
        return factory.getKeyManagers();
    }

    /** The CAs to trust; null (the JVM's default trust) without a truststore. */
    private TrustManager[] trustManagers() throws GeneralSecurityException {
        if (truststore.isEmpty()) {
            return null;
        }
        KeyStore store = isPem(truststore) ? pemCertificates(truststore) : load("fooweb.nats.tls.truststore", truststore, truststorePassword);
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        return factory.getTrustManagers();
    }

    /** A PKCS12 or JKS store (the format is detected). */
    private static KeyStore load(String setting, String file, String password) {
        try {
            return KeyStore.getInstance(Path.of(file).toFile(), password.isEmpty() ? null : password.toCharArray());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(setting + ": cannot load " + file + " (" + e.getMessage() + ")", e);
        }
    }

    private static boolean isPem(String file) {
        try {
            return new String(Files.readAllBytes(Path.of(file)), StandardCharsets.ISO_8859_1).contains("-----BEGIN CERTIFICATE-----");
        } catch (IOException e) {
            throw new IllegalArgumentException("fooweb.nats.tls.truststore: cannot read " + file, e);
        }
    }

    /** Every certificate of a PEM file as a trusted entry of an in-memory store. */
    private static KeyStore pemCertificates(String file) {
        try (InputStream in = Files.newInputStream(Path.of(file))) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca-" + i++, certificate);
            }
            return store;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("fooweb.nats.tls.truststore: cannot read the certificates in " + file
                    + " (" + e.getMessage() + ")", e);
        }
    }

    private static void requireReadable(String setting, String file) {
        if (!file.isEmpty() && !Files.isReadable(Path.of(file))) {
            throw new IllegalArgumentException(setting + ": cannot read " + Path.of(file).toAbsolutePath());
        }
    }

    /** Empty and blank values mean "not used"; others are kept as they are (a password may have spaces). */
    private static String emptyIfBlank(String value) {
        return value == null || value.isBlank() ? "" : value;
    }

    /** What is in use, for the log: mechanisms and file names, never a secret (not even the user name). */
    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        parts.add(!token.isEmpty() ? "token" : !user.isEmpty() ? "user and password" : !creds.isEmpty() ? "credentials file " + creds
                : "no authentication");
        if (!truststore.isEmpty()) {
            parts.add("TLS trusting the CA in " + truststore);
        }
        if (!keystore.isEmpty()) {
            parts.add("client certificate from " + keystore);
        }
        return String.join(", ", parts);
    }
}

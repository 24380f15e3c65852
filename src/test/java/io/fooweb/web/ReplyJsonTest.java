package io.fooweb.web;


import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The web's JSON answer is written from the reply's bytes without decoding them when they are valid UTF-8. It must be
 * byte for byte what Jackson writes for the decoded text (invalid UTF-8 replaced by U+FFFD, as the original did), and
 * the validity check must agree with the JDK's strict decoder.
 */
class ReplyJsonTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Random RANDOM = new Random(20261126);

    private static byte[] reference(byte[] content, long size, boolean truncated) throws Exception {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("file_contents", new String(content, StandardCharsets.UTF_8));
        if (truncated) {
            body.put("truncated", true);
            body.put("size", size);
        }
        return JSON.writeValueAsBytes(body);
    }

    private static boolean jdkAcceptsAsUtf8(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /**
     * Same JSON value as the reference, and itself valid UTF-8. Not always the same bytes: Jackson writes a character
     * outside the BMP from a String as an escaped surrogate pair, the fast path as its four UTF-8 bytes (as Go does).
     */
    private static void assertSameAsReference(byte[] content) throws Exception {
        assertEquals(jdkAcceptsAsUtf8(content), JsonText.isValidUtf8(content, 0), () -> hex(content));
        byte[] json = new Reply(content, content.length, false).toJson();
        assertEquals(JSON.readTree(reference(content, content.length, false)), JSON.readTree(json), () -> hex(content));
        assertTrue(jdkAcceptsAsUtf8(json), () -> hex(content));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "", "68656c6c6f0a", "6f6b fffe 00 78", // the binary file of FailureAnswersTest
            "22 5c 2f 08 0c 0a 0d 09 01 1f 7f", // quote, backslash, slash, control characters, DEL
            "c3a9 e282ac f09f9880", // é € 😀
            "c2 80 df bf e0 a0 80 ef bf bf f4 8f bf bf", // the smallest and largest of each length
            "c0 80", "c1 bf", "e0 9f bf", "ed a0 80", "ed bf bf", "f0 8f bf bf", "f4 90 80 80", "f5 80 80 80", "ff", // overlong, surrogates, too large
            "80", "bf 41", "c3", "e2 82", "f0 9f 98", "c3 41", "e2 41 ac", "e2 82 41", "f0 9f 41 80", "f0 9f 98 41", // stray, cut short, interrupted
            "e2 80 a8 e2 80 a9" // U+2028, U+2029: JSON allows them raw, and Jackson writes them raw
    })
    void writesWhatJacksonWritesForTheDecodedText(String hex) throws Exception {
        assertSameAsReference(bytes(hex));
    }

    @Test
    void escapesWhatJsonRequires() throws Exception {
        byte[] content = bytes("22 5c 2f 08 0c 0a 0d 09 01 1f 7f 41");
        assertEquals("{\"file_contents\":\"\\\"\\\\/\\b\\f\\n\\r\\t\\u0001\\u001F\u007fA\"}",
                new String(new Reply(content, content.length, false).toJson(), StandardCharsets.UTF_8));
    }

    /** Every byte value at every place of two eight-byte blocks and a short tail, in plain text: blocks are checked whole. */
    @Test
    void everyByteAtEveryPlaceOfABlock() throws Exception {
        for (int place = 0; place < 19; place++) {
            for (int value = 0; value < 256; value++) {
                byte[] content = "abcdefghijklmnopqrs".getBytes(StandardCharsets.US_ASCII);
                content[place] = (byte) value;
                assertSameAsReference(content);
            }
        }
    }

    @Test
    void randomBytesTextAndCodePointsMatchTheReference() throws Exception {
        for (int round = 0; round < 3000; round++) {
            byte[] content = switch (round % 3) {
                case 0 -> randomBytes(RANDOM.nextInt(40));
                case 1 -> randomText(RANDOM.nextInt(40)).getBytes(StandardCharsets.UTF_8);
                default -> mutate(randomText(RANDOM.nextInt(40) + 1).getBytes(StandardCharsets.UTF_8));
            };
            assertSameAsReference(content);
        }
    }

    @Test
    void aCutFileSaysSoAndGivesItsSize() throws Exception {
        byte[] content = "first megabyte".getBytes(StandardCharsets.UTF_8);
        byte[] json = new Reply(content, 5_000_000, true).toJson();
        assertArrayEquals(reference(content, 5_000_000, true), json);
        assertEquals("{\"file_contents\":\"first megabyte\",\"truncated\":true,\"size\":5000000}",
                new String(json, StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = { "68690a", "80 41", "c3a9 f09f9880", "41 c3" })
    void theContentOfOurBackendsEnvelopeIsReadInPlace(String hex) throws Exception {
        byte[] content = bytes(hex);
        byte[] head = ("FOOWEB/1 {\"status\":200,\"size\":" + content.length + ",\"truncated\":false,\"backend\":\"host:1\"}\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] payload = new byte[head.length + content.length];
        System.arraycopy(head, 0, payload, 0, head.length);
        System.arraycopy(content, 0, payload, head.length, content.length);

        Reply reply = Reply.open(payload, io.fooweb.wire.Envelope.read(payload), 0);

        assertArrayEquals(content, reply.content());
        assertEquals(content.length, reply.length());
        assertEquals(JSON.readTree(reference(content, content.length, false)), JSON.readTree(reply.toJson()));
    }

    @Test
    void aLargeFileIsWrittenWhole() throws Exception {
        byte[] content = randomText(300_000).getBytes(StandardCharsets.UTF_8);
        assertSameAsReference(content);
    }

    private static byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    /** Any code point (controls, quotes, all planes) except lone surrogates, which cannot be encoded. */
    private static String randomText(int codePoints) {
        StringBuilder text = new StringBuilder();
        int written = 0;
        while (written < codePoints) {
            int codePoint = switch (RANDOM.nextInt(4)) {
                case 0 -> RANDOM.nextInt(0x80);
                case 1 -> RANDOM.nextInt(0x800);
                case 2 -> RANDOM.nextInt(0x10000);
                default -> RANDOM.nextInt(0x110000);
            };
            if (codePoint < Character.MIN_SURROGATE || codePoint > Character.MAX_SURROGATE) {
                text.appendCodePoint(codePoint);
                written++;
            }
        }
        return text.toString();
    }

    /** Valid UTF-8 with one byte changed or cut off: the usual ways text gets broken. */
    private static byte[] mutate(byte[] bytes) {
        if (RANDOM.nextBoolean()) {
            bytes[RANDOM.nextInt(bytes.length)] = (byte) RANDOM.nextInt(256);
            return bytes;
        }
        return java.util.Arrays.copyOf(bytes, RANDOM.nextInt(bytes.length));
    }

    private static byte[] bytes(String hex) {
        String digits = hex.replace(" ", "");
        byte[] bytes = new byte[digits.length() / 2];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) Integer.parseInt(digits.substring(2 * i, 2 * i + 2), 16);
        }
        return bytes;
    }

    /** The first bytes, for a failure message. */
    private static String hex(byte[] bytes) {
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < Math.min(bytes.length, 48); i++) {
            hex.append(String.format("%02x ", bytes[i]));
        }
        return bytes.length > 48 ? hex + "... (" + bytes.length + " bytes)" : hex.toString();
    }
}

package io.fooweb;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.fooweb.fixture.Load;
import io.fooweb.fixture.LoadWindow;
import io.fooweb.fixture.PartitionBed;
import io.fooweb.fixture.PartitionBed.FaultRun;
import io.fooweb.fixture.TestNetwork;
import io.fooweb.fixture.TestNetwork.Host;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import static io.fooweb.fixture.PartitionBed.CLIENTS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The same hosts ({@link PartitionBed}) on NATS servers with deploy/nats-server.conf's liveness settings (pings every
 * 500 ms, 2 unanswered drop a connection; a 2 s write deadline): what the shipped configuration adds to steering.
 * Backend 1 is on node 2, alone, so that the node's client count shows when nats-server dropped it. In order: backend
 * 1's cable pulled, then the web's NATS node's, then everything healed, counted and torn down. Needs root; elsewhere
 * skipped, saying why. Figures to target/reliability-network.txt.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NetworkPartitionFastPingIT {

    static PartitionBed bed;

    @BeforeAll
    static void buildTheHosts() throws Exception {
        String reason = TestNetwork.unavailableReason();
        Assumptions.assumeTrue(reason == null, () -> "skipped: " + reason);
        TestNetwork.removeLeftovers();
        bed = new PartitionBed("500 ms pings", PartitionBed.shippedLiveness(), 2);
        bed.recordRun("NetworkPartitionFastPingIT");
    }

    @AfterAll
    static void tearDown() {
        if (bed != null) {
            bed.close();
        }
    }

    @Test
    @Order(1)
    void aBackendCutOffIsDroppedByTheServerToo() throws Exception {
        long[] noticed = { -1, -1 };
        FaultRun run = bed.underFault(bed.backend1, () -> {
            long cut = System.nanoTime();
            bed.network.cut(bed.backendHost1);
            // nats-server drops the silent backend (node 2's only client), and the backend sees its own link dead
            // (readiness DOWN), each in its own time
            await("node 2 dropped backend 1, and backend 1 not ready").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(50))
                    .until(() -> {
                        if (noticed[0] < 0 && bed.connections(1) == 0) {
                            noticed[0] = (System.nanoTime() - cut) / 1_000_000;
                        }
                        if (noticed[1] < 0 && bed.readiness(bed.backendHost1, bed.backend1) == 503) {
                            noticed[1] = (System.nanoTime() - cut) / 1_000_000;
                        }
                        return noticed[0] >= 0 && noticed[1] >= 0;
                    });
        }, () -> bed.network.heal(bed.backendHost1));
        bed.record("backend 1's link down (node 2's only client), " + CLIENTS + " clients: " + run + "; nats-server dropped it after "
                + noticed[0] + " ms, the backend saw its own link dead after " + noticed[1] + " ms");
        run.assertSteeredAround("backend's link down", "backend 1", 5000);
    }

    @Test
    @Order(2)
    void theWebFailsOverWhenItsNatsNodeIsCutOff() throws Exception {
        assertEquals(1, bed.webNode(), "the web is connected to node 1");
        long[] failedOver = { -1 };
        long[] rejoined = { -1 };
        FaultRun run = bed.underFault(bed.backend2, () -> {
            long cut = System.nanoTime();
            bed.network.cut(bed.node[0]);
            bed.cutNodes.add(0);
            await("web on another node").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20)).until(() -> bed.webNode() > 1);
            failedOver[0] = (System.nanoTime() - cut) / 1_000_000;
        }, () -> {
            long healed = System.nanoTime();
            bed.network.heal(bed.node[0]);
            bed.cutNodes.remove(0);
            await("node 1 back in the cluster").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> bed.routes(0) == 2);
            rejoined[0] = (System.nanoTime() - healed) / 1_000_000;
        });
        LoadWindow afterCut = run.fromThreeSeconds();
        bed.record("the web's NATS node's link down, " + CLIENTS + " clients: from 3 s after the fault to the end " + afterCut + "; in the first 3 s "
                + run.firstSeconds() + "; the web was on node " + bed.webNode() + " " + failedOver[0] + " ms after the cut; node 1"
                + " rejoined the cluster " + rejoined[0] + " ms after its link returned");
        afterCut.assertWithinBounds("web's node cut");
    }

    @Test
    @Order(3)
    void healedEverythingServesCountsAgreeAndNothingIsLeft() throws Exception {
        for (Host host : List.of(bed.node[0], bed.node[1], bed.node[2], bed.webHost, bed.backendHost1, bed.backendHost2)) {
            bed.network.heal(host);
        }
        await("cluster whole").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .until(() -> bed.routes(0) == 2 && bed.routes(1) == 2 && bed.routes(2) == 2);
        await("backends ready").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .until(() -> bed.readiness(bed.backendHost1, bed.backend1) == 200 && bed.readiness(bed.backendHost2, bed.backend2) == 200);
        List<Load.Result> results = bed.kept(bed.load(1000).finish(Duration.ofSeconds(60)));
        LoadWindow window = LoadWindow.of(results);
        long servedBy1 = PartitionBed.servedBy(results, bed.backend1);
        long servedBy2 = PartitionBed.servedBy(results, bed.backend2);
        assertEquals(0, window.failed(), window.toString());
        assertTrue(servedBy1 > 100 && servedBy2 > 100, "backend 1 " + servedBy1 + ", backend 2 " + servedBy2);
        List<Load.Result> sent = bed.sent();
        Map<Integer, Integer> byStatus = PartitionBed.assertCountsAgree(bed.web, sent);
        bed.record("healed: " + window + "; backend 1 served " + servedBy1 + ", backend 2 " + servedBy2 + "; all " + sent.size()
                + " requests of the class counted by the web as its clients saw them, " + byStatus);
        bed.tearDownAndCheck();
    }
}

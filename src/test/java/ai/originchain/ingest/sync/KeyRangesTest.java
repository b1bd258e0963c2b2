package ai.originchain.ingest.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

/** Differing ranges become runs: adjacent ones joined, and too many joined across their narrowest gaps. */
class KeyRangesTest {

    private static boolean[] differing(String pattern) {
        boolean[] differs = new boolean[pattern.length()];
        for (int i = 0; i < differs.length; i++) {
            differs[i] = pattern.charAt(i) == 'x';
        }
        return differs;
    }

    @Test
    void adjacentDifferingRangesAreOneRun() {
        List<int[]> runs = KeyRanges.runs(differing("xx..x...xxx"), 1000);
        assertThat(runs).containsExactly(new int[] {0, 1}, new int[] {4, 4}, new int[] {8, 10});
        assertThat(KeyRanges.runs(differing("....."), 1000)).isEmpty();
    }

    @Test
    void tooManyRunsAreJoinedAcrossTheNarrowestGapsAndCoverEveryDifferingRange() {
        List<int[]> runs = KeyRanges.runs(differing("x.x....x.x......x"), 3);
        assertThat(runs).containsExactly(new int[] {0, 2}, new int[] {7, 9}, new int[] {16, 16});
        List<int[]> two = KeyRanges.runs(differing("x.x.x.x"), 2);
        assertThat(two).hasSize(2);
        assertThat(two.get(0)[0]).isZero();
        assertThat(two.get(1)[1]).isEqualTo(6);
    }
}

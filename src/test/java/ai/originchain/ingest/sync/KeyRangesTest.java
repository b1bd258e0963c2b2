package ai.originchain.ingest.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Differing ranges become runs: adjacent ones joined, and too many joined across their narrowest gaps.
 * A large merge is cut into consecutive parts that hold every range once.
 */
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

    @Test
    void aLargeMergeIsCutIntoConsecutivePartsWithAboutAsManyMergedRangesEach() {
        // 8 merged ranges of 12, 2 parts: the cut falls after the 4th merged one; the parts cover all 12.
        assertThat(KeyRanges.partRuns(differing("xx..xx..xxxx"), 2, 2)).containsExactly(new int[] {0, 5}, new int[] {6, 11});
        assertThat(KeyRanges.partRuns(differing("xxxxxxxxx"), 3, 3))
                .containsExactly(new int[] {0, 2}, new int[] {3, 5}, new int[] {6, 8});
        // Changes at one end only: the parts split those, whatever lies beyond.
        assertThat(KeyRanges.partRuns(differing("........xxxx"), 2, 1)).containsExactly(new int[] {0, 9}, new int[] {10, 11});
    }

    @Test
    void aMergeTooSmallForTwoPartsOfTheMinimumIsNotCut() {
        assertThat(KeyRanges.partRuns(differing("xxx........."), 2, 2)).isNull();
        assertThat(KeyRanges.partRuns(differing("xxxxxxxx"), 1, 1)).isNull();
        // Five merged ranges make two parts of at least two: 4 asked for, 2 made.
        assertThat(KeyRanges.partRuns(differing("xxxxx"), 4, 2)).containsExactly(new int[] {0, 1}, new int[] {2, 4});
    }
}

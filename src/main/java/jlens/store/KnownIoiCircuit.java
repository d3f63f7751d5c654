package jlens.store;

import java.util.List;

/**
 * The known-answer model's IOI-like multi-hop circuit, as {@code known_circuits.json} states it for whoever checks
 * path patching, edge attribution or circuit evaluation against it: its heads, the tokens it treats as names, and
 * its nodes and edges in EAP-IG's naming ({@code input}, {@code a{l}.h{h}}, {@code logits}; an edge into a head
 * with its {@code <q>}, {@code <k>} or {@code <v>}), each edge with the composition it works by.
 *
 * <p>On "When Mary and John went to the store, John gave a drink to" the duplicate-token head marks the second
 * " John" as seen before; the S-inhibition head, at the last token, attends to that mark (K-composition) and writes
 * the subject's identity into a channel of its own; the name mover's query reads that channel (Q-composition), so it
 * attends to the one name that is not the subject, " Mary", and copies it into the prediction. The logit difference
 * " Mary" minus " John" is then several nats; with the second " John" replaced by " Mary" it flips.
 *
 * @param task what the circuit does, in words
 * @param duplicateToken the head that marks a token seen before
 * @param sInhibition the head that moves the repeated name's identity to the last position
 * @param nameMover the head that copies the name that is not repeated
 * @param names the tokens flagged as names in the embedding
 * @param nodes the circuit's nodes in EAP-IG's naming
 * @param edges the circuit's edges in EAP-IG's naming
 */
public record KnownIoiCircuit(String task, KnownHead duplicateToken, KnownHead sInhibition, KnownHead nameMover,
        List<String> names, List<String> nodes, List<Edge> edges) {
    /**
     * One edge of the circuit.
     *
     * @param name EAP-IG's name, such as {@code a0.h2->a1.h1<k>}
     * @param composition {@code K}, {@code Q} or {@code V} between heads (Elhage et al.'s composition: which input of
     *     the receiving head reads the sender's output), {@code embedding} from the input, {@code direct} into the
     *     logits
     * @param carries what travels along it
     */
    public record Edge(String name, String composition, String carries) {}
}

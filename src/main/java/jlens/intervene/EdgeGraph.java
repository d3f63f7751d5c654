package jlens.intervene;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jlens.hook.HookPoint;
import jlens.model.Gpt2Config;

/**
 * EAP-IG's computational graph of a GPT-2 ({@code Graph.from_model}, sequential attention and MLP): nodes
 * {@code input} (token + position embedding, {@code blocks.0.hook_resid_pre}), {@code a{l}.h{h}} (the head's output
 * {@code z_h @ W_O[h]} without the attention output bias, {@code attn.hook_result}), {@code m{l}} (the MLP's output with
 * its bias, {@code hook_mlp_out}) and {@code logits} (the final residual, {@code hook_resid_post} of the last layer).
 * An edge runs from every node to every later node that reads the residual stream; an edge into a head is split by
 * the head's q, k and v input ({@code a0.h1->a1.h2<k>}, at {@code hook_k_input}). Node and edge order are EAP-IG's:
 * per layer, every earlier node into each head's q, k, v, then every earlier node (this layer's heads included) into
 * the MLP; last, every node into the logits. The biases of the attention output and the LayerNorms' are constants of
 * the residual stream, on no edge.
 *
 * @param nLayer layers
 * @param nHead heads per layer
 * @param dModel the residual stream's width
 * @param nodes node names, in order: input, then per layer its heads and its MLP, then logits
 * @param edges every edge, in EAP-IG's order
 */
public record EdgeGraph(int nLayer, int nHead, int dModel, List<String> nodes, List<Edge> edges) {
    /**
     * One edge.
     *
     * @param name EAP-IG's name, {@code sender->receiver} or {@code sender->a{l}.h{h}<q|k|v>}
     * @param sender the sending node's index in {@link #nodes}
     * @param receiver the receiving node's index
     * @param input 'q', 'k' or 'v' into a head; 0 into an MLP or the logits
     */
    public record Edge(String name, int sender, int receiver, char input) {}

    public EdgeGraph {
        nodes = List.copyOf(nodes);
        edges = List.copyOf(edges);
    }

    /** The graph of a model of this shape. */
    public static EdgeGraph of(Gpt2Config config) {
        return of(config.nLayer(), config.nHead(), config.nEmbd());
    }

    public static EdgeGraph of(int nLayer, int nHead, int dModel) {
        List<String> nodes = new ArrayList<>();
        nodes.add("input");
        for (int l = 0; l < nLayer; l++) {
            for (int h = 0; h < nHead; h++) {
                nodes.add("a" + l + ".h" + h);
            }
            nodes.add("m" + l);
        }
        nodes.add("logits");
        List<Edge> edges = new ArrayList<>();
        List<Integer> stream = new ArrayList<>(List.of(0)); // the nodes written into the residual stream so far
        for (int l = 0; l < nLayer; l++) {
            int first = head(l, 0, nHead);
            for (int u : stream) {
                for (int h = 0; h < nHead; h++) {
                    for (char input : new char[] {'q', 'k', 'v'}) {
                        edges.add(new Edge(nodes.get(u) + "->" + nodes.get(first + h) + "<" + input + ">", u, first + h, input));
                    }
                }
            }
            for (int h = 0; h < nHead; h++) {
                stream.add(first + h);
            }
            int mlp = first + nHead;
            for (int u : stream) {
                edges.add(new Edge(nodes.get(u) + "->" + nodes.get(mlp), u, mlp, (char) 0));
            }
            stream.add(mlp);
        }
        int logits = nodes.size() - 1;
        for (int u : stream) {
            edges.add(new Edge(nodes.get(u) + "->logits", u, logits, (char) 0));
        }
        return new EdgeGraph(nLayer, nHead, dModel, nodes, edges);
    }

    private static int head(int layer, int h, int nHead) {
        return 1 + layer * (nHead + 1) + h;
    }

    /** The index of node {@code a{layer}.h{h}}. */
    public int headNode(int layer, int h) {
        return head(layer, h, nHead);
    }

    /** The index of node {@code m{layer}}. */
    public int mlpNode(int layer) {
        return head(layer, nHead, nHead);
    }

    public int logitsNode() {
        return nodes.size() - 1;
    }

    /** The layer of a node: -1 for the input, nLayer for the logits. */
    public int layer(int node) {
        if (node == 0) {
            return -1;
        }
        return node == logitsNode() ? nLayer : (node - 1) / (nHead + 1);
    }

    /** The head of a head node; -1 for any other. */
    public int head(int node) {
        if (node == 0 || node == logitsNode()) {
            return -1;
        }
        int h = (node - 1) % (nHead + 1);
        return h == nHead ? -1 : h;
    }

    /** The hook point whose activation is the node's output (a head's is one head of it). */
    public String outputHook(int node) {
        if (node == 0) {
            return HookPoint.block(0, HookPoint.RESID_PRE);
        }
        if (node == logitsNode()) {
            throw new IllegalArgumentException("the logits send nothing");
        }
        return HookPoint.block(layer(node), head(node) < 0 ? HookPoint.MLP_OUT : HookPoint.RESULT);
    }

    /** The hook point where an edge arrives: a head's q, k or v input (one head of it), an MLP's input, the final residual. */
    public String inputHook(Edge e) {
        if (e.receiver() == logitsNode()) {
            return HookPoint.block(nLayer - 1, HookPoint.RESID_POST);
        }
        int l = layer(e.receiver());
        return switch (e.input()) {
            case 'q' -> HookPoint.block(l, HookPoint.Q_INPUT);
            case 'k' -> HookPoint.block(l, HookPoint.K_INPUT);
            case 'v' -> HookPoint.block(l, HookPoint.V_INPUT);
            default -> HookPoint.block(l, HookPoint.MLP_IN);
        };
    }

    /** The edge's sender as a re-routed sender of the engine. */
    public Value.Sender sender(Edge e) {
        return new Value.Sender(outputHook(e.sender()), head(e.sender()));
    }

    /** The index of the edge named {@code name}, or -1. */
    public int indexOf(String name) {
        return names().getOrDefault(name, -1);
    }

    /** The index of node {@code name}, or -1. */
    public int nodeIndex(String name) {
        return nodes.indexOf(name);
    }

    private Map<String, Integer> names() {
        Map<String, Integer> out = new HashMap<>();
        for (int i = 0; i < edges.size(); i++) {
            out.put(edges.get(i).name(), i);
        }
        return Collections.unmodifiableMap(out);
    }

    /** Edges in the graph's order whose receiver is {@code node}. */
    public List<Integer> edgesInto(int node) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < edges.size(); i++) {
            if (edges.get(i).receiver() == node) {
                out.add(i);
            }
        }
        return out;
    }
}

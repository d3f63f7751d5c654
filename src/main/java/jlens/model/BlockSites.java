package jlens.model;

import jlens.hook.HookPoint;

/**
 * The exact hook names of one block, in the order a pass meets them; made once per layer so a pass builds no
 * strings. Shapes as in {@link Gpt2}: B batch, T positions, P prefix positions, C d_model, NH heads, HS d_head.
 */
record BlockSites(String residPre, // [B, T, C]
                  String qInput, // [B, T, NH, C], computed only when a per-head input is hooked
                  String kInput, // [B, T, NH, C]
                  String vInput, // [B, T, NH, C]
                  String ln1, // [B, T, C]
                  String qkv, // [B, T, 3C]
                  String q, // [B, T, NH, HS]
                  String k, // [B, T, NH, HS]
                  String v, // [B, T, NH, HS]
                  String attnScores, // [B, NH, T, P+T]
                  String pattern, // [B, NH, T, P+T]
                  String z, // [B, T, NH, HS]
                  String result, // [B, T, NH, C], computed only when hooked
                  String attnOut, // [B, T, C]
                  String residMid, // [B, T, C]
                  String mlpIn, // [B, T, C], the MLP's own copy of resid_mid
                  String ln2, // [B, T, C]
                  String mlpPre, // [B, T, 4C]
                  String mlpPost, // [B, T, 4C]
                  String mlpOut, // [B, T, C]
                  String residPost) { // [B, T, C]

    /** The per-head inputs, in the order q, k, v. */
    String[] inputs() {
        return new String[] {qInput, kInput, vInput};
    }

    static BlockSites of(int l) {
        return new BlockSites(HookPoint.block(l, HookPoint.RESID_PRE), HookPoint.block(l, HookPoint.Q_INPUT),
                HookPoint.block(l, HookPoint.K_INPUT), HookPoint.block(l, HookPoint.V_INPUT), HookPoint.block(l, HookPoint.LN1),
                HookPoint.block(l, HookPoint.QKV), HookPoint.block(l, HookPoint.Q), HookPoint.block(l, HookPoint.K),
                HookPoint.block(l, HookPoint.V), HookPoint.block(l, HookPoint.ATTN_SCORES), HookPoint.block(l, HookPoint.PATTERN),
                HookPoint.block(l, HookPoint.Z), HookPoint.block(l, HookPoint.RESULT), HookPoint.block(l, HookPoint.ATTN_OUT), HookPoint.block(l, HookPoint.RESID_MID),
                HookPoint.block(l, HookPoint.MLP_IN), HookPoint.block(l, HookPoint.LN2), HookPoint.block(l, HookPoint.MLP_PRE), HookPoint.block(l, HookPoint.MLP_POST),
                HookPoint.block(l, HookPoint.MLP_OUT), HookPoint.block(l, HookPoint.RESID_POST));
    }
}

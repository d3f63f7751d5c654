// The known-answer model: a GPT-2 whose weights are set by hand, so every answer is known before you look.
//   ./jlens examples/induction.jsh
// What is wired where (the banner says it too): first-token head 0.0, previous-token head 0.1,
// duplicate-token head 0.2, current-token head 1.0, induction head 1.2 (its keys read 0.1's output); 1.1 is idle.
// On any text it predicts uniformly, except after a token it has seen before: then, through 0.1 and 1.2, it
// predicts what followed that token last time.

load known
model

// 1. A sentence said twice. " The" (with its space) is another token than the opening "The", and the first
//    position is an attention sink anyway, so the copying starts at the second " quick", which predicts " brown".
text "The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy dog."
tokens

// 2. The previous-token head 0.1: look for one bright line just below the diagonal (each token looks one back).
pattern 0 1

// 3. The induction head 1.2: in the first sentence it rests on position 0 (nothing seen before); in the second,
//    each token looks at the token AFTER its earlier copy: a bright diagonal 10 positions left of the main one
//    (the chart pools rows at this width: 'view' or a wider terminal shows every row).
pattern 1 2

// 4. The detectors find these heads without being told. Look at the top of each table: 0.1 for previous-token,
//    1.2 for induction (about 0.5 on the random repeat: half its rows have nothing to copy; --exclude-bos makes
//    it about 1), 0.2 for duplicate-token, 0.0 for bos, 1.0 for current-token.
detect previous-token
detect induction random 50
detect induction random 50 --exclude-bos
detect duplicate-token
detect bos
detect current-token

// 5. The copying: at position -2 (" dog") the model puts nearly all its probability on "." (what followed
//    " dog" the first time); an unseen token would get 1/50257.
logprobs -2

// 6. Ablation: zero head 2 at token -2, one layer at a time. Look for the collapse at layer 1 (the induction
//    head) and nothing at layer 0 (head 2 there is the duplicate-token head, which writes nothing the logits read).
ablate head 2 token -2
// Every layer x head at token -2: only 1.2 moves the log-prob. The previous-token head 0.1 does its work at the
// earlier copy (the key the induction head reads), not at -2; selftest zeroes it everywhere and shows copying collapse.
ablate head all token -2

// 7. Activation patching: the same text with the first " dog" changed to " cat", so the second " dog" finds no
//    earlier " dog" and "." falls back to uniform. Patching each head's clean output into that corrupted run,
//    look for two cells near 1: 0.1 (it writes " dog" into the key after the first " dog") and 1.2 (which reads
//    that key and copies "."); every other head stays near 0. That is the K-composition path.
corrupt "The quick brown fox jumps over the lazy cat. The quick brown fox jumps over the lazy dog."
metric logprob "." pos -2
patch heads
// 8. Direct logit attribution at -2: nearly all of "."'s logit comes from 1.2; the embeddings add nothing (the
//    model cancels a token's own embedding in the unembedding), and the parts sum to the logit.
dla -2 "."
// 9. The logit lens at -2: "." is at chance (about -10.8) in the residual before layer 1 and near 0 at the end.
lens -2 "."

// 10. All of the above as checks with numbers: one PASS/FAIL line each.
selftest

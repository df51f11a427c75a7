"""Test driver for nanoGPT's model.py, written for tests/ports (not part of nanoGPT).

A tiny GPT trained for a few AdamW steps on random tokens, batched the way nanoGPT's train.py batches
its data (random offsets, stacked slices), with its gradient clipping, then sampled from with top-k.
`python train_tiny.py [dropout]`.
"""
import sys

import torch

from model import GPT, GPTConfig

dropout = float(sys.argv[1]) if len(sys.argv) > 1 else 0.0
torch.manual_seed(1337)
config = GPTConfig(block_size=16, vocab_size=32, n_layer=2, n_head=2, n_embd=16, dropout=dropout, bias=True)
model = GPT(config)
optimizer = model.configure_optimizers(weight_decay=0.1, learning_rate=1e-3, betas=(0.9, 0.95), device_type="cpu")
data = torch.randint(config.vocab_size, (1000,))
for step in range(8):
    ix = torch.randint(len(data) - config.block_size, (4,))
    x = torch.stack([data[i:i + config.block_size] for i in ix])
    y = torch.stack([data[i + 1:i + 1 + config.block_size] for i in ix])
    logits, loss = model(x, y)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    print(f"step {step}: loss {loss.item():.4f}")

model.eval()
sample = model.generate(torch.zeros((1, 1), dtype=torch.long), max_new_tokens=10, temperature=0.8, top_k=5)
print(sample[0].tolist())

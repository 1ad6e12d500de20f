"""Differentiable physics: learn the starting positions of masses on springs so that, after a simulated
fall, they land on targets.

Adapted from pytorch/examples differentiable_physics/mass_spring.py (BSD-3-Clause,
https://github.com/pytorch/examples). The simulator is the example's MassSpringSystem, unchanged: it
writes into tensors of the graph in place (`forces[i] += force`, `positions[0] = ...`,
`velocities[0] = ...`) after they were used, which PyTorch allows because `velocities * dt` saves
nothing of `velocities`. Changes for the test: three particles on two springs, the trainable start
comes from NumPy (so PyTorch and chainrule start alike and the run is deterministic), no plot, and a
JSON summary as the last line.
"""
import argparse
import json
import time

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim


class MassSpringSystem(nn.Module):
    def __init__(self, num_particles, springs, mass=1.0, dt=0.01, gravity=9.81, device="cpu"):
        super().__init__()
        self.device = device
        self.mass = mass
        self.springs = springs
        self.dt = dt
        self.gravity = gravity

        # Particle 0 is fixed at the origin
        self.initial_position_0 = torch.tensor([0.0, 0.0], device=device)

        # Remaining particles are trainable
        self.initial_positions_rest = nn.Parameter(torch.randn(num_particles - 1, 2, device=device))

        # Velocities
        self.velocities = torch.zeros(num_particles, 2, device=device)

    def forward(self, steps):
        positions = torch.cat([self.initial_position_0.unsqueeze(0), self.initial_positions_rest], dim=0)
        velocities = self.velocities

        for _ in range(steps):
            forces = torch.zeros_like(positions)

            # Compute spring forces
            for (i, j, rest_length, stiffness) in self.springs:
                xi, xj = positions[i], positions[j]
                dir_vec = xj - xi
                dist = dir_vec.norm()
                force = stiffness * (dist - rest_length) * dir_vec / (dist + 1e-6)
                forces[i] += force
                forces[j] -= force

            # Apply gravity
            forces[:, 1] -= self.gravity * self.mass

            # Semi-implicit Euler integration
            acceleration = forces / self.mass
            velocities = velocities + acceleration * self.dt
            positions = positions + velocities * self.dt

            # Fix particle 0 at origin
            positions[0] = self.initial_position_0
            velocities[0] = torch.tensor([0.0, 0.0], device=positions.device)

        return positions


parser = argparse.ArgumentParser(description="Differentiable Physics: Mass-Spring System")
parser.add_argument("--epochs", type=int, default=100)
parser.add_argument("--steps", type=int, default=40, help="simulation steps per forward pass")
parser.add_argument("--lr", type=float, default=0.02)
args = parser.parse_args()

start = time.time()
system = MassSpringSystem(num_particles=3, springs=[(0, 1, 1.0, 10.0), (1, 2, 0.5, 5.0)])
with torch.no_grad():
    system.initial_positions_rest.copy_(torch.from_numpy(np.random.default_rng(0).normal(size=(2, 2)).astype(np.float32)))
optimizer = optim.Adam(system.parameters(), lr=args.lr)
target_positions = torch.tensor([[0.0, 0.0], [1.0, 0.0], [1.5, 0.0]])

losses = []
for epoch in range(args.epochs):
    optimizer.zero_grad()
    final_positions = system(args.steps)
    loss = (final_positions - target_positions).pow(2).mean()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
    if (epoch + 1) % 25 == 0:
        print(f"Epoch {epoch + 1}/{args.epochs}, Loss: {loss.item():.6f}")

print(json.dumps({"first_loss": losses[0], "loss": losses[-1],
                  "start": system.initial_positions_rest.detach().flatten().tolist(),
                  "seconds": round(time.time() - start, 2)}))

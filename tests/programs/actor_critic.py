"""Actor-critic in the style of pytorch/examples' reinforcement_learning/actor_critic.py, on a
small corridor instead of CartPole (no gym needed): the agent starts in the middle of 7 cells,
steps left or right, and is paid +1 at the right end, -1 at the left end, -0.01 per step.
Uses torch.distributions.Categorical(probs) for the policy, as the example does.
"""
import argparse
import json
import time
from collections import namedtuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.distributions import Categorical

parser = argparse.ArgumentParser(description="actor-critic on a corridor")
parser.add_argument("--gamma", type=float, default=0.99)
parser.add_argument("--seed", type=int, default=543)
parser.add_argument("--episodes", type=int, default=300)
args = parser.parse_args()

CELLS, MAX_STEPS = 7, 30
SavedAction = namedtuple("SavedAction", ["log_prob", "value"])


class Corridor:
    def reset(self):
        self.position, self.steps = CELLS // 2, 0
        return self.observation()

    def observation(self):
        return np.eye(CELLS, dtype=np.float32)[self.position]

    def step(self, action):
        self.position += 1 if action == 1 else -1
        self.steps += 1
        if self.position == CELLS - 1:
            return self.observation(), 1.0, True
        if self.position == 0:
            return self.observation(), -1.0, True
        return self.observation(), -0.01, self.steps >= MAX_STEPS


class Policy(nn.Module):
    def __init__(self):
        super().__init__()
        self.affine1 = nn.Linear(CELLS, 32)
        self.action_head = nn.Linear(32, 2)
        self.value_head = nn.Linear(32, 1)
        self.saved_actions = []
        self.rewards = []

    def forward(self, x):
        x = F.relu(self.affine1(x))
        return F.softmax(self.action_head(x), dim=-1), self.value_head(x)


torch.manual_seed(args.seed)
env = Corridor()
model = Policy()
optimizer = optim.Adam(model.parameters(), lr=3e-2)
eps = np.finfo(np.float32).eps.item()


def select_action(state):
    state = torch.from_numpy(state).float()
    probs, state_value = model(state)
    m = Categorical(probs)
    action = m.sample()
    model.saved_actions.append(SavedAction(m.log_prob(action), state_value))
    return action.item()


def finish_episode():
    R = 0
    policy_losses, value_losses, returns = [], [], []
    for r in model.rewards[::-1]:
        R = r + args.gamma * R
        returns.insert(0, R)
    returns = torch.tensor(returns)
    returns = (returns - returns.mean()) / (returns.std() + eps) if len(returns) > 1 else returns
    for (log_prob, value), R in zip(model.saved_actions, returns):
        advantage = R - value.item()
        policy_losses.append(-log_prob * advantage)
        value_losses.append(F.smooth_l1_loss(value, torch.tensor([R])))
    optimizer.zero_grad()
    loss = torch.stack(policy_losses).sum() + torch.stack(value_losses).sum()
    loss.backward()
    optimizer.step()
    del model.rewards[:]
    del model.saved_actions[:]


running_reward = -1.0
start = time.perf_counter()
for i_episode in range(args.episodes):
    state, ep_reward = env.reset(), 0.0
    for t in range(MAX_STEPS):
        state, reward, done = env.step(select_action(state))
        model.rewards.append(reward)
        ep_reward += reward
        if done:
            break
    running_reward = 0.05 * ep_reward + (1 - 0.05) * running_reward
    finish_episode()
    if i_episode % 50 == 0:
        print(f"Episode {i_episode}\tLast reward: {ep_reward:.2f}\tAverage reward: {running_reward:.2f}")
seconds = time.perf_counter() - start

with torch.no_grad():
    right = [model(torch.from_numpy(np.eye(CELLS, dtype=np.float32)[c]))[0][1].item() for c in range(1, CELLS - 1)]
print(json.dumps({"running_reward": running_reward, "min_prob_right": min(right), "seconds": seconds}))

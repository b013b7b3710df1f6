"""LeNet as the 60-minute-blitz tutorial writes it: define the net, push one input through,
backpropagate, compute a loss, update the weights by hand and then with an optimizer; and then
train the same kind of net on small three-channel images, as the tutorial's CIFAR-10 part does.

The images here are made up (no download): each class is a coloured blob in its own corner, with
noise. Everything is float64 and the weights are set from a NumPy generator, so the runs are the
same under either library, step for step.
"""

# ruff: noqa: I001 (the switch between the two libraries stays the first import)
import autograd_mini as torch  # the one line to change: import torch

import numpy as np


def lenet_class(torch):
    nn, F = torch.nn, torch.nn.functional

    class Net(nn.Module):
        def __init__(self, channels=1, side=32):
            super().__init__()
            self.conv1 = nn.Conv2d(channels, 6, 5)  # 6 output channels, 5x5 square convolution
            self.conv2 = nn.Conv2d(6, 16, 5)
            flat = ((side - 4) // 2 - 4) // 2
            self.fc1 = nn.Linear(16 * flat * flat, 120)  # an affine operation: y = Wx + b
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))  # max pooling over a (2, 2) window
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)  # a square window: one number is enough
            x = torch.flatten(x, 1)  # every dimension but the batch one
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)

    return Net


def set_weights(torch, net, seed):
    """Weights of scale 1/sqrt(fan in) drawn from a NumPy generator, the same in both libraries."""
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for p in net.parameters():
            fan_in = int(np.prod(p.shape[1:])) if p.dim() > 1 else p.shape[0]
            p.copy_(torch.from_numpy(rng.standard_normal(tuple(p.shape)) / np.sqrt(fan_in)))


def blitz(torch):
    """The tutorial's first part, step by step."""
    net = lenet_class(torch)().double()
    set_weights(torch, net, seed=0)
    params = list(net.parameters())
    rng = np.random.default_rng(1)
    input = torch.from_numpy(rng.standard_normal((1, 1, 32, 32)))
    out = net(input)
    net.zero_grad()
    out.backward(torch.from_numpy(rng.standard_normal((1, 10))))
    first_grads = [p.grad.clone() for p in params]

    output = net(input)
    target = torch.from_numpy(rng.standard_normal(10)).view(1, -1)  # the same shape as the output
    criterion = torch.nn.MSELoss()
    loss = criterion(output, target)
    first_loss = loss.item()
    net.zero_grad()
    zeroed = net.conv1.bias.grad is None or float(net.conv1.bias.grad.abs().sum()) == 0.0
    loss.backward()
    conv1_bias_grad = net.conv1.bias.grad.tolist()

    learning_rate = 0.01
    for f in net.parameters():  # the simplest update rule: weight = weight - learning_rate * gradient
        f.data.sub_(f.grad.data * learning_rate)
    loss_after_manual_step = criterion(net(input), target).item()

    optimizer = torch.optim.SGD(net.parameters(), lr=0.01)
    losses = []
    for _ in range(5):
        optimizer.zero_grad()  # zero the gradient buffers
        loss = criterion(net(input), target)
        loss.backward()
        optimizer.step()  # does the update
        losses.append(loss.item())
    return {
        "repr": repr(net),
        "parameter_count": len(params),
        "conv1_weight_size": list(params[0].size()),
        "output_shape": list(out.shape),
        "first_grad_norms": [float(g.norm()) for g in first_grads],
        "zeroed": zeroed,
        "first_loss": first_loss,
        "conv1_bias_grad": conv1_bias_grad,
        "loss_after_manual_step": loss_after_manual_step,
        "sgd_losses": losses,
    }


def blob_images(n, rng):
    """(n, 3, 32, 32) images: class k is a bright square in one of ten places, in one of the
    three colour channels, with noise; and the labels."""
    labels = rng.integers(0, 10, size=n)
    images = 0.3 * rng.standard_normal((n, 3, 32, 32))
    for i, k in enumerate(labels):
        row, col = divmod(int(k), 5)
        images[i, k % 3, 4 + 14 * row : 14 + 14 * row, 1 + 6 * col : 7 + 6 * col] += 1.5
    return images, labels


def train_on_images(torch):
    """The tutorial's CIFAR-10 part: a loader, cross entropy, SGD with momentum, accuracy."""
    DataLoader, TensorDataset = torch.utils.data.DataLoader, torch.utils.data.TensorDataset
    rng = np.random.default_rng(2)
    x, y = blob_images(320, rng)
    train = TensorDataset(torch.from_numpy(x[:256]), torch.from_numpy(y[:256]))
    test_x, test_y = torch.from_numpy(x[256:]), torch.from_numpy(y[256:])
    loader = DataLoader(train, batch_size=32, shuffle=True, generator=torch.Generator().manual_seed(0))

    net = lenet_class(torch)(channels=3).double()
    set_weights(torch, net, seed=3)
    criterion = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    epoch_losses = []
    for _ in range(4):  # loop over the dataset several times
        running_loss = 0.0
        for inputs, labels in loader:
            optimizer.zero_grad()
            outputs = net(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
        epoch_losses.append(running_loss / len(loader))
    with torch.no_grad():
        _, predicted = torch.max(net(test_x), 1)
        accuracy = (predicted == test_y).sum().item() / len(test_y)
    return {"epoch_losses": epoch_losses, "test_accuracy": accuracy}


def main(torch) -> dict:
    return {"blitz": blitz(torch), "images": train_on_images(torch)}


if __name__ == "__main__":
    print(main(torch))

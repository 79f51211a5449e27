"""Learned policies: graph features of a network and its state, the GNN, its feasibility layer and the
policy that runs it in the simulator.

This is the only package of netinv that imports torch and PyTorch Geometric (about 4 s and 5 s): nothing
outside it may import them at module level. Running the policy (features, model, feasibility layer,
policy) needs torch alone; PyTorch Geometric is imported by the dataset and training code. The submodules are imported on demand::

    from netinv.learn.features import network_features, state_graph
    from netinv.learn.model import ModelConfig, OrderGNN
    from netinv.learn.policy import GNNPolicy
"""

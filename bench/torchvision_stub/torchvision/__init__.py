"""A stand-in for torchvision, for benchmarks only.

timm imports torchvision at start-up (transforms, ops.misc.FrozenBatchNorm2d, datasets), but the model
code we benchmark (timm.models.beit) never calls into it. The torchvision wheel of this machine's local
mirror was built against another torch and fails on import ("operator torchvision::nms does not exist").
Putting this directory first on PYTHONPATH makes every `import torchvision...` succeed with empty
placeholder modules; any attempt to actually use one of their members raises, so the stub cannot change
a result silently.
"""
import importlib.abc
import importlib.machinery
import sys
import types


class _Placeholder(type):
    """A class whose attributes are further placeholders, so module-level tables like
    {InterpolationMode.BILINEAR: 'bilinear'} still build; instantiating one fails loudly."""

    def __getattr__(cls, name):
        if name.startswith('__'):
            raise AttributeError(name)
        return _Placeholder(f'{cls.__name__}.{name}', (), {})

    def __call__(cls, *args, **kwargs):
        raise RuntimeError(f'torchvision stub: {cls.__name__} is not available in this benchmark')


class _StubModule(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith('__'):
            raise AttributeError(name)
        return _Placeholder(f'{self.__name__}.{name}', (), {})


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path, target=None):
        if fullname.startswith('torchvision.'):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        module = _StubModule(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module):
        pass


__path__ = []
__version__ = '0.0.0+stub'
sys.meta_path.insert(0, _Finder())


def __getattr__(name):
    if name.startswith('__'):
        raise AttributeError(name)
    return _Placeholder(f'torchvision.{name}', (), {})

# Ported program (tests/ports): the PyTorch snippets of this project's source lesson 002, "神经网络基础——激活函数的
# 选择、参数初始化" (/work/shared/seeds/002_d2b39f798600bddb.txt), in the lesson's order.
# Changes, and why: the lesson's text lost its line breaks inside code (several statements run together on one
# line), so the statements are put back one per line; the seven initialiser functions test01..test07 are
# defined by the lesson but never called, so they are called at the end (in its numbering order); the model
# section's `from torchsummary import summary` and its `summary(my_model, input_size=(3,), batch_size=5)` call are
# left out: torchsummary is a package built on PyTorch, which autograd.run_torch does not map (the runner's
# tests check that the unchanged import is refused by name).
import torch
import matplotlib.pyplot as plt
# 函数图像
x = torch.linspace(-20,20,1000)
# 输入值x 通过 sigmoid函数 转换成 激活值y
y = torch.sigmoid(x)
# 创建画布、坐标轴
plt.plot(x,y)
plt.grid()
plt.show()
# 导数图像
x = torch.linspace(-20,20,1000,requires_grad=True)
# 自动微分
torch.sigmoid(x).sum().backward()
plt.plot(x.detach(),x.grad)
plt.grid()
plt.show()

scores = torch.tensor([0.2, 0.02, 0.15, 0.15, 1.3, 0.5, 0.06, 1.1, 0.05, 3.75])
probabilities = torch.softmax(scores,dim=0)
print(probabilities)

import torch
import torch.nn.functional as F
import torch.nn as nn
# 均匀分布 随机初始化
def test01():
    linear = nn.Linear(5, 3)
    # 从 0 ~ 1 均匀分布产生参数
    nn.init.uniform_(linear.weight)
    print(linear.weight.data)

# 正态分布随机初始化
def test05():
    linear = nn.Linear(5, 3)
    nn.init.normal_(linear.weight, mean=0, std=1)
    print(linear.weight.data)

# 全0初始化
def test03():
    linear = nn.Linear(5, 3)
    nn.init.zeros_(linear.weight)
    print(linear.weight.data)

# 全1初始化
def test04():
    linear = nn.Linear(5, 3)
    nn.init.ones_(linear.weight)
    print(linear.weight.data)

# 固定初始化
def test02():
    linear = nn.Linear(5, 3)
    nn.init.constant_(linear.weight, 5)
    print(linear.weight.data)

# kaiming 初始化
def test06():
    # kaiming 正态分布初始化
    linear = nn.Linear(5, 3)
    nn.init.kaiming_normal_(linear.weight)
    print(linear.weight.data)
    # kaiming 均匀分布初始化
    linear = nn.Linear(5, 3)
    nn.init.kaiming_uniform_(linear.weight)
    print(linear.weight.data)

# xavier 初始化
def test07():
    # xavier 正态分布初始化
    linear = nn.Linear(5, 3)
    nn.init.xavier_normal_(linear.weight)
    print(linear.weight.data)
    # xavier 均匀分布初始化
    linear = nn.Linear(5, 3)
    nn.init.xavier_uniform_(linear.weight)
    print(linear.weight.data)

import torch
import torch.nn as nn
# PORT: `from torchsummary import summary` left out (see the header)
# 构建神经网络
class model(nn.Module):
    # 初始化属性值
    def __init__(self):
        # 调用父类的初始化属性值
        super(model,self).__init__()
        # 创建第一个隐藏层模型, 3个输入特征,3个输出特征
        self.layer1 = nn.Linear(3,3)
        # 初始化权重
        nn.init.xavier_normal_(self.layer1.weight)
        # 创建第二个隐藏层模型
        self.layer2 = nn.Linear(3,2)
        # 初始化权重
        nn.init.kaiming_normal_(self.layer2.weight)
        # 创建输出层模型
        self.out = nn.Linear(2,2)
    # 创建前向传播方法,自动执行forward()方法
    def forward(self,x):
        # 数据经过第一个线性层
        h1 = self.layer1(x)
        # 使用sigmoid激活函数
        h1 = torch.sigmoid(h1)
        # 数据经过第二个线性层
        h2 = self.layer2(h1)
        # 使用relu激活函数
        h2 = torch.relu(h2)
        # 数据经过输出层
        out = self.out(h2)
        # 使用softmax激活函数
        out = torch.softmax(out,dim=-1)
        return out
if __name__ == '__main__':
    # 实例化model对象
    my_model = model()
    # 随机产生数据
    my_data = torch.randn(5,3)
    print('mydata shape',my_data.shape)
    # 数据经过 神经网络模型训练
    output = my_model(my_data)
    print('output shape',output.shape)
    # 计算模型参数
    # 计算每层每个神经元的w和b个数总和
    # PORT: summary(my_model,input_size=(3,),batch_size=5) left out (see the header)
    # 查看模型参数
    for name,parameter in my_model.named_parameters():
        print(name,parameter)

# PORT: the lesson defines the initialiser examples without calling them
for test in (test01, test02, test03, test04, test05, test06, test07):
    test()

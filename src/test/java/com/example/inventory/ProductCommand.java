package com.example.inventory;

/** What a client asks of a product. */
public sealed interface ProductCommand {

    record CreateProduct(String name, String sku) implements ProductCommand {
    }

    record ReceiveStock(int quantity) implements ProductCommand {
    }

    record ReserveStock(int quantity) implements ProductCommand {
    }

    record Discontinue(String reason) implements ProductCommand {
    }
}
